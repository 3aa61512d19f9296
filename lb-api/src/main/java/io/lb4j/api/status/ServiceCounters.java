package io.lb4j.api.status;

/**
 * What a service's timeouts and caps did, counted by its forwarding engine since the service was installed (the
 * counts survive a {@code reconfigure} of the service, not its removal). Counters only grow. An engine that enforces
 * none of them reports {@link #NONE}.
 *
 * @param clientIdleExpired    TCP connections closed because their client side was idle for the service's
 *                             {@code clientIdleTimeout}
 * @param serverIdleExpired    TCP connections closed because their backend side was idle for the service's
 *                             {@code serverIdleTimeout}
 * @param refusedNoBackend     TCP connections closed, and datagrams of new UDP clients dropped, because no backend
 *                             could take them (or the service was being removed)
 * @param refusedAtCap         TCP connections closed on accept because the service held {@code maxConnections}
 * @param udpSessionsEvicted   UDP sessions closed to make room for a new client under {@code maxUdpSessions}
 */
public record ServiceCounters(long clientIdleExpired, long serverIdleExpired, long refusedNoBackend,
                              long refusedAtCap, long udpSessionsEvicted) {

    /** All zero: what an engine without these limits, or a service without traffic, reports. */
    public static final ServiceCounters NONE = new ServiceCounters(0, 0, 0, 0, 0);
}
