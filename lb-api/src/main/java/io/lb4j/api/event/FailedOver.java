package io.lb4j.api.event;

import java.time.Instant;

/** No real server of the service can take new connections: they go to the fallback, or are refused when `fallback` is "none". */
public record FailedOver(Instant at, String service, String fallback, String reason) implements LbEvent {
}
