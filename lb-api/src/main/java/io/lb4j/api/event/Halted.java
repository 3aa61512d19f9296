package io.lb4j.api.event;

import java.time.Instant;

/** An operator halted a real server: no new connections, and its existing flows were expired. */
public record Halted(Instant at, String service, String realServer) implements LbEvent {
}
