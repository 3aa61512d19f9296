package io.lb4j.ha.vrrp.spi;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Carries VRRP adverts for one {@link io.lb4j.ha.vrrp.VrrpInstance}. The default transport is a raw IP socket of
 * the instance's family for protocol 112 on the instance's interface; tests plug in a virtual LAN.
 *
 * <p>Contract: {@link #send} transmits {@code message} as the payload of an IP packet of the instance's family with
 * protocol 112, TTL (IPv6: hop limit) 255 and {@link #primaryAddress()} as its source. Received packets are handed
 * over whole, IP header included (an IPv6 transport whose socket strips the header rebuilds a 40-byte one with the
 * received source, destination and hop limit, and no extension headers), so the instance can check the TTL and the
 * checksum itself; a transport does no validation of its own and never drops a
 * packet silently. Implementations are thread-safe; the receiver may be called from any one thread.
 */
public interface VrrpTransport extends AutoCloseable {

    /** Receives whole IPv4 or IPv6 packets; must not keep {@code packet} after returning. */
    @FunctionalInterface
    interface Receiver {
        void onPacket(byte[] packet, int length);
    }

    /**
     * Starts delivering received packets to {@code receiver}.
     *
     * @throws IOException when the socket cannot be opened or joined to the group, naming the step that failed
     */
    void start(Receiver receiver) throws IOException;

    /**
     * Sends one VRRP message to {@code destination} (the multicast group or a unicast peer).
     *
     * @throws IOException when the kernel refuses it (e.g. the interface is down); the instance counts and retries
     *                     at the next advert
     */
    void send(InetAddress destination, byte[] message) throws IOException;

    /**
     * Whether the interface can carry adverts now (administratively up, with carrier). The instance polls it every
     * 100 ms and enters {@link io.lb4j.ha.vrrp.VrrpState#FAULT} while it is false, as keepalived does. Default: always up.
     */
    default boolean linkUp() {
        return true;
    }

    /**
     * This router's address on the segment, of the instance's family: the source of its adverts and its tie-break
     * address. IPv4: the interface's primary address; IPv6: its link-local address (RFC 5798 5.1.2.1).
     */
    InetAddress primaryAddress();

    /** Stops receiving and releases the socket; idempotent. */
    @Override
    void close();
}
