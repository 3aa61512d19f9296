package io.lb4j.api.event;

import java.time.Instant;

/** An operator set a real server to drain: no new connections, existing ones continue. */
public record Draining(Instant at, String service, String realServer) implements LbEvent {
}
