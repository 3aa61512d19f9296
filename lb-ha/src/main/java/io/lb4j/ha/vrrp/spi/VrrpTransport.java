package io.lb4j.ha.vrrp.spi;

import java.io.IOException;
import java.net.Inet4Address;

/**
 * Carries VRRP adverts for one {@link io.lb4j.ha.vrrp.VrrpInstance}. The default transport is a raw IPv4 socket for
 * protocol 112 on the instance's interface; tests plug in a virtual LAN.
 *
 * <p>Contract: {@link #send} transmits {@code message} as the payload of an IPv4 packet with protocol 112, TTL 255
 * and {@link #primaryAddress()} as its source. Received packets are handed over whole, IP header included, so the
 * instance can check the TTL and the checksum itself; a transport does no validation of its own and never drops a
 * packet silently. Implementations are thread-safe; the receiver may be called from any one thread.
 */
public interface VrrpTransport extends AutoCloseable {

    /** Receives whole IPv4 packets; must not keep {@code packet} after returning. */
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
    void send(Inet4Address destination, byte[] message) throws IOException;

    /**
     * Whether the interface can carry adverts now (administratively up, with carrier). The instance polls it every
     * 100 ms and enters {@link io.lb4j.ha.vrrp.VrrpState#FAULT} while it is false, as keepalived does. Default: always up.
     */
    default boolean linkUp() {
        return true;
    }

    /** This router's primary IPv4 address on the segment: the source of its adverts and its tie-break address. */
    Inet4Address primaryAddress();

    /** Stops receiving and releases the socket; idempotent. */
    @Override
    void close();
}
