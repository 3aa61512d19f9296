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
 * whole IPv4 packet, delivered by the virtual clock at the instant it was sent (zero latency) but after the sender's
 * current step, as a real network would.
 */
public final class VirtualLan {

    record Sent(long atNanos, Inet4Address source, Inet4Address destination, VrrpAdvert advert) {
    }

    private final VirtualClock clock;
    private final List<Node> nodes = new ArrayList<>();
    private final List<Sent> sent = new ArrayList<>();

    public VirtualLan(VirtualClock clock) {
        this.clock = clock;
    }

    public Node node(String primary) {
        Node n = new Node(ipv4(primary));
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
        final Inet4Address primary;
        volatile boolean plugged = true;
        volatile boolean carrier = true;   // what linkUp() reports: false = the node's own link is down
        volatile int ttl = 255;
        private volatile Receiver receiver;

        Node(Inet4Address primary) {
            this.primary = primary;
        }

        @Override
        public void start(Receiver r) {
            this.receiver = r;
        }

        @Override
        public void send(Inet4Address destination, byte[] message) throws IOException {
            if (!plugged) {
                return; // a cable pulled: the packet goes nowhere
            }
            VrrpCodec.Decoded d = VrrpCodec.decode(ipPacket(primary, destination, ttl, message), 20 + message.length,
                    ChecksumMode.WITH_PSEUDO_HEADER);
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
        public Inet4Address primaryAddress() {
            return primary;
        }

        @Override
        public void close() {
            receiver = null;
        }
    }

    /** An IPv4 packet with a 20-byte header around {@code payload}, protocol 112. */
    static byte[] ipPacket(Inet4Address source, Inet4Address destination, int ttl, byte[] payload) {
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
