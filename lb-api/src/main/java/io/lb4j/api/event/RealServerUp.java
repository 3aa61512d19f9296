package io.lb4j.api.event;

import java.time.Instant;

/** A real server passed its health check `riseAfter` times in a row and is able to take connections again. */
public record RealServerUp(Instant at, String service, String realServer) implements LbEvent {
}
