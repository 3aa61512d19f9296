package io.lb4j.api.spi;

/**
 * A scheduler's decision function for one routing-table snapshot. Thread-safe; called by engines on their I/O
 * threads for every new connection, so it must be fast and must not allocate.
 */
@FunctionalInterface
public interface Selector {

    /**
     * The backend a new connection from the client with {@code clientKey} should go to, or {@code null} when no
     * backend is {@link Backend#available() available}. The caller still has to {@link Backend#tryAcquire()}.
     *
     * @param clientKey a hash of the client's source address, from {@link RoutingTable#clientKey}
     */
    Backend select(long clientKey);
}
