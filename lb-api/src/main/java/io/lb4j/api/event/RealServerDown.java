package io.lb4j.api.event;

import java.time.Instant;

/** A real server failed its health check `failAfter` times in a row and takes no new connections. */
public record RealServerDown(Instant at, String service, String realServer, String reason) implements LbEvent {
}
