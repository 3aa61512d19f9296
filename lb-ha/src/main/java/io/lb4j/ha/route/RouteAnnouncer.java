package io.lb4j.ha.route;

import java.net.InetAddress;

/**
 * Announces a node's VIPs to the routers through a routing daemon that runs beside it (BIRD, FRR), so that an ECMP
 * router spreads the VIP's flows over every node that announces it: the SPI of active-active balancing. lb4j never
 * speaks BGP itself; an implementation drives the daemon through its control socket or configuration.
 *
 * <p>Contract: {@link #announce} and {@link #withdraw} are idempotent and return once the daemon accepted the change,
 * or once it failed (state {@link AnnouncementState#FAILED}; the implementation retries in the background). They never
 * throw for a daemon that cannot be reached: a balancer must keep forwarding whatever its routing daemon does.
 * Thread-safe. {@link #close()} withdraws nothing by itself (a node that stops withdraws first).
 */
public interface RouteAnnouncer extends AutoCloseable {

    /**
     * Announces {@code vip} (a host route, /32 or /128) from this node.
     *
     * @return the state after the attempt
     * @throws IllegalArgumentException when the implementation cannot announce this kind of address
     */
    AnnouncementState announce(InetAddress vip);

    /**
     * Withdraws {@code vip}'s route from this node; the routers stop sending it new flows here.
     *
     * @return the state after the attempt
     */
    AnnouncementState withdraw(InetAddress vip);

    /** The state of {@code vip}'s route as last learned; {@link AnnouncementState#WITHDRAWN} for one never announced. */
    AnnouncementState state(InetAddress vip);

    /** Stops background retries and lets go of the daemon's socket; the routes stay as the daemon has them. */
    @Override
    void close();
}
