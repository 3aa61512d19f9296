package io.lb4j.api.event;

import java.time.Instant;

/** The service was added, removed or changed by `reconfigure`; `change` says which. */
public record Reconfigured(Instant at, String service, String change) implements LbEvent {
}
