package io.lb4j.ha.vip;

import io.lb4j.ha.HaPair;

import java.net.InetAddress;
import java.util.List;

/**
 * Makes this node answer for the virtual addresses while it is VRRP master, and stop answering when it is not.
 * {@link HaPair} calls {@link #acquire} on every transition to master and {@link #release} on every transition out
 * of it, in order, on the VRRP instance's serialized path, so the calls never overlap and must return quickly.
 *
 * <p>The addresses are one VRRP instance's: all IPv4 or all IPv6. Implementations: {@link InterfaceVipOwner} adds the
 * addresses to an interface (rtnetlink, or the {@code ip} command) and announces them with gratuitous ARP (IPv4) or
 * unsolicited Neighbour Advertisements (IPv6), for the proxy engine or any service bound to the VIP;
 * {@link #none()} for a setup where something else answers (the packet engine answers ARP for its VIPs itself).
 */
public interface VipOwner extends AutoCloseable {

    /**
     * Starts answering for {@code addresses} and announces them on the segment.
     *
     * @throws java.io.UncheckedIOException when the addresses cannot be added; the pair logs it and stays master (the
     *                                      peer would not do better), and the next transition retries
     */
    void acquire(List<InetAddress> addresses);

    /** Stops answering for {@code addresses}; addresses already gone are not an error. */
    void release(List<InetAddress> addresses);

    /** Releases the owner's own resources (sockets, timers); does not release addresses. Idempotent. */
    @Override
    default void close() {
    }

    /** An owner that does nothing: the VRRP state alone decides, e.g. when an engine answers ARP for the VIP. */
    static VipOwner none() {
        return new VipOwner() {
            @Override
            public void acquire(List<InetAddress> addresses) {
            }

            @Override
            public void release(List<InetAddress> addresses) {
            }

            @Override
            public String toString() {
                return "VipOwner.none()";
            }
        };
    }
}
