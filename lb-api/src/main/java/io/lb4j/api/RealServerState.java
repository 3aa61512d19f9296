package io.lb4j.api;

/**
 * The state of one real server within one virtual service.
 *
 * <p>Only {@link #UP} takes new connections. Existing connections continue in {@code UP}, {@code DOWN} and
 * {@code DRAINING}; {@code HALTED} expires them so that clients reconnect and reach the fallback.
 */
public enum RealServerState {
    /** Healthy (or not checked) and taking new connections. */
    UP,
    /** Failed {@code failAfter} consecutive health checks; takes no new connections until it rises again. */
    DOWN,
    /** Set by an operator: no new connections, existing ones continue until they end. */
    DRAINING,
    /** Set by an operator: no new connections and existing flows are expired. */
    HALTED;

    /** Whether a server in this state may be given a new connection. */
    public boolean acceptsNewConnections() {
        return this == UP;
    }
}
