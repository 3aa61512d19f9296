package io.lb4j.api.event;

import java.time.Instant;

/** A failed-over service sends new connections to its real servers again. */
public record FailedBack(Instant at, String service, java.util.List<String> realServers) implements LbEvent {

    /** Copies the list. */
    public FailedBack {
        realServers = java.util.List.copyOf(realServers);
    }
}
