package io.lb4j.ha.vrrp;

import io.lb4j.ha.vrrp.internal.VrrpAdvert;
import io.lb4j.ha.vrrp.internal.VrrpCodec;
import io.lb4j.ha.vrrp.spi.VrrpTransport;
import io.lb4j.testkit.VirtualClock;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A broadcast segment for VRRP tests: every packet a plugged-in node sends reaches every other plugged-in node as a
 * whole IPv4 or IPv6 packet (of the sender's primary address's family), delivered by the virtual clock at the
 * instant it was sent (zero latency) but after the sender's current step, as a real network would.
 */
public final class VirtualLan {

    record Sent(long atNanos, InetAddress source, InetAddress destination, VrrpAdvert advert) {
    }

    private final VirtualClock clock;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Sent> sent = new ArrayList<>();

    public VirtualLan(VirtualClock clock) {
        this.clock = clock;
    }

    public Node node(String primary) {
        Node n = new Node(InetAddress.ofLiteral(primary));
        nodes.add(n);
        return n;
    }

    synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }

    synchronized List<Sent> sentBy(Node node) {
        return sent.stream().filter(s -> s.source().equals(node.primary)).toList();
    }

    public final class Node implements VrrpTransport {
        final InetAddress primary;
        volatile boolean plugged = true;
        volatile boolean carrier = true;   // what linkUp() reports: false = the node's own link is down
        volatile int ttl = 255;
        private volatile Receiver receiver;

        Node(InetAddress primary) {
            this.primary = primary;
        }

        @Override
        public void start(Receiver r) {
            this.receiver = r;
        }

        @Override
        public void send(InetAddress destination, byte[] message) throws IOException {
            if (!plugged) {
                return; // a cable pulled: the packet goes nowhere
            }
            byte[] wire = ipPacket(primary, destination, ttl, message);
            VrrpCodec.Decoded d = VrrpCodec.decode(wire, wire.length, ChecksumMode.WITH_PSEUDO_HEADER);
            VrrpAdvert advert = d.received() != null ? d.received().advert() : null;
            synchronized (VirtualLan.this) {
                sent.add(new Sent(clock.nanoTime(), primary, destination, advert));
            }
            byte[] packet = ipPacket(primary, destination, ttl, message);
            for (Node other : nodes) {
                if (other != this && other.plugged && other.receiver != null) {
                    clock.schedule(java.time.Duration.ZERO, () -> other.deliver(packet));
                }
            }
        }

        /** Hands a raw packet to this node's instance, as if it arrived on the wire. */
        void deliver(byte[] packet) {
            Receiver r = receiver;
            if (r != null && plugged) {
                r.onPacket(packet, packet.length);
            }
        }

        @Override
        public boolean linkUp() {
            return carrier;
        }

        @Override
        public InetAddress primaryAddress() {
            return primary;
        }

        @Override
        public void close() {
            receiver = null;
        }
    }

    /**
     * An IPv4 packet with a 20-byte header, or an IPv6 packet with a 40-byte header, around {@code payload}, protocol
     * 112; {@code ttl} is the TTL or the hop limit.
     */
    static byte[] ipPacket(InetAddress source, InetAddress destination, int ttl, byte[] payload) {
        if (source instanceof java.net.Inet6Address) {
            byte[] p = new byte[40 + payload.length];
            p[0] = 0x60;
            p[4] = (byte) (payload.length >>> 8);
            p[5] = (byte) payload.length;
            p[6] = (byte) VrrpCodec.PROTOCOL;
            p[7] = (byte) ttl;
            System.arraycopy(source.getAddress(), 0, p, 8, 16);
            System.arraycopy(destination.getAddress(), 0, p, 24, 16);
            System.arraycopy(payload, 0, p, 40, payload.length);
            return p;
        }
        byte[] p = new byte[20 + payload.length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >>> 8);
        p[3] = (byte) p.length;
        p[8] = (byte) ttl;
        p[9] = (byte) VrrpCodec.PROTOCOL;
        System.arraycopy(source.getAddress(), 0, p, 12, 4);
        System.arraycopy(destination.getAddress(), 0, p, 16, 4);
        System.arraycopy(payload, 0, p, 20, payload.length);
        return p;
    }

    public static Inet4Address ipv4(String literal) {
        try {
            return (Inet4Address) InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
