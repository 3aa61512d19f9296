package io.lb4j.engine.packet;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One installed virtual service as the packet path sees it: VIP, protocol, a port bitmap, and the newest routing
 * snapshot with its backends' addresses resolved to numbers once per snapshot (not per packet). A service is IPv4 or
 * IPv6 throughout: its VIP and every real server and fallback are of one family (direct routing and NAT66 cannot
 * cross families). The snapshot is
 * one volatile reference: {@link #install} from the control plane swaps it, the packet thread reads it once per new
 * flow.
 */
final class ServiceState {

    final int id;
    final String label;
    /** The IPv4 VIP; 0 for an IPv6 service. */
    final int vip;
    final boolean ipv6;
    /** The VIP as a 128-bit key (IPv4-mapped for an IPv4 service, see {@link NeighbourTable}). */
    final long vipHigh;
    final long vipLow;
    final int protocol;
    final ForwardingMethod method;
    private final long[] ports = new long[1024];
    private volatile Snapshot snapshot;

    ServiceState(int id, RoutingTable table) {
        VirtualService spec = table.service();
        this.id = id;
        this.label = spec.label();
        this.ipv6 = spec.address() instanceof Inet6Address;
        this.vip = ipv6 ? 0 : ipv4("address of service \"" + label + "\"", spec.address());
        this.vipHigh = high(spec.address());
        this.vipLow = low(spec.address());
        this.protocol = spec.protocol() == Protocol.TCP ? Ipv4Flyweight.PROTOCOL_TCP : Ipv4Flyweight.PROTOCOL_UDP;
        this.method = spec.method();
        for (int port : spec.ports()) {
            ports[port >>> 6] |= 1L << port;
        }
        this.snapshot = new Snapshot(table);
    }

    static int ipv4(String what, InetAddress address) {
        if (!(address instanceof Inet4Address)) {
            throw new IllegalArgumentException(what + ": " + address.getHostAddress() + " (expected: an IPv4 address)");
        }
        byte[] a = address.getAddress();
        return ((a[0] & 0xFF) << 24) | ((a[1] & 0xFF) << 16) | ((a[2] & 0xFF) << 8) | (a[3] & 0xFF);
    }

    /** The upper 64 bits of an address as a 128-bit key: an IPv6 address, or an IPv4 one IPv4-mapped. */
    static long high(InetAddress address) {
        return address instanceof Inet6Address ? ByteBuffer.wrap(address.getAddress()).getLong()
                : NeighbourTable.MAPPED_HIGH;
    }

    /** The lower 64 bits of an address as a 128-bit key (see {@link #high}). */
    static long low(InetAddress address) {
        return address instanceof Inet6Address ? ByteBuffer.wrap(address.getAddress()).getLong(8)
                : NeighbourTable.mappedLow(ipv4("address", address));
    }

    /** Whether this service's VIP is the 128-bit key {@code (high, low)}. */
    boolean isVip(long high, long low) {
        return vipHigh == high && vipLow == low;
    }

    boolean hasPort(int port) {
        return (ports[port >>> 6] & (1L << port)) != 0;
    }

    /** Whether a newer snapshot of the same service can be swapped in without reinstalling (same listeners). */
    boolean sameListeners(RoutingTable table) {
        VirtualService spec = table.service();
        return spec.address().equals(snapshot.table.service().address())
                && spec.ports().equals(snapshot.table.service().ports())
                && spec.protocol() == snapshot.table.service().protocol()
                && spec.method() == method;
    }

    void install(RoutingTable table) {
        snapshot = new Snapshot(table);
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /** A routing table plus its backends' addresses, immutable. */
    static final class Snapshot {
        final RoutingTable table;
        final Backend[] backends;
        /** The backends' IPv4 addresses; zeros in an IPv6 service. */
        final int[] addresses;
        /** The backends' addresses as 128-bit keys, in either family (see {@link ServiceState#high}). */
        final long[] addressesHigh;
        final long[] addressesLow;
        final boolean[] natted;
        /** Whether a mid-connection TCP segment may open a flow: see {@code PacketPath.adopts}. */
        final boolean adoptsMidConnection;

        Snapshot(RoutingTable table) {
            this.table = table;
            adoptsMidConnection = table.service().method() == ForwardingMethod.DIRECT_ROUTING
                    && table.service().scheduler().name().equals("mh");
            List<Backend> all = new ArrayList<>(table.backends());
            if (table.fallback() != null) {
                all.add(table.fallback());
            }
            backends = all.toArray(new Backend[0]);
            addresses = new int[backends.length];
            addressesHigh = new long[backends.length];
            addressesLow = new long[backends.length];
            natted = new boolean[backends.length];
            boolean natService = table.service().method() == ForwardingMethod.NAT;
            InetAddress vip = table.service().address();
            for (int i = 0; i < backends.length; i++) {
                Backend b = backends[i];
                String what = "address of " + b.label() + " in service \"" + table.service().label() + "\"";
                if ((b.address() instanceof Inet6Address) != (vip instanceof Inet6Address)) {
                    throw new IllegalArgumentException(what + ": " + b.address().getHostAddress() + " (expected: an "
                            + (vip instanceof Inet6Address ? "IPv6" : "IPv4") + " address, as the VIP "
                            + vip.getHostAddress() + " is; the packet engine does not translate between families)");
                }
                addresses[i] = b.address() instanceof Inet4Address ? ipv4(what, b.address()) : 0;
                addressesHigh[i] = high(b.address());
                addressesLow[i] = low(b.address());
                natted[i] = natService || (b.isFallback() && b.masquerade());
            }
        }

        /** The position of {@code backend} (by identity) in {@link #backends}, or -1. */
        int indexOf(Backend backend) {
            for (int i = 0; i < backends.length; i++) {
                if (backends[i] == backend) {
                    return i;
                }
            }
            return -1;
        }
    }
}
