package io.lb4j.api.event;

import java.time.Instant;

/** An operator brought a halted or draining real server back online. */
public record Online(Instant at, String service, String realServer) implements LbEvent {
}
