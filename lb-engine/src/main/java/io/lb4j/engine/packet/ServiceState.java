package io.lb4j.engine.packet;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One installed virtual service as the packet path sees it: VIP, protocol, a port bitmap, and the newest routing
 * snapshot with its backends' IPv4 addresses resolved to ints once per snapshot (not per packet). The snapshot is
 * one volatile reference: {@link #install} from the control plane swaps it, the packet thread reads it once per new
 * flow.
 */
final class ServiceState {

    final int id;
    final String label;
    final int vip;
    final int protocol;
    final ForwardingMethod method;
    private final long[] ports = new long[1024];
    private volatile Snapshot snapshot;

    ServiceState(int id, RoutingTable table) {
        VirtualService spec = table.service();
        this.id = id;
        this.label = spec.label();
        this.vip = ipv4("address of service \"" + label + "\"", spec.address());
        this.protocol = spec.protocol() == Protocol.TCP ? Ipv4Flyweight.PROTOCOL_TCP : Ipv4Flyweight.PROTOCOL_UDP;
        this.method = spec.method();
        for (int port : spec.ports()) {
            ports[port >>> 6] |= 1L << port;
        }
        this.snapshot = new Snapshot(table);
    }

    static int ipv4(String what, InetAddress address) {
        if (!(address instanceof Inet4Address)) {
            throw new IllegalArgumentException(what + ": " + address.getHostAddress()
                    + " (expected: an IPv4 address; the packet engine does not forward IPv6 yet)");
        }
        byte[] a = address.getAddress();
        return ((a[0] & 0xFF) << 24) | ((a[1] & 0xFF) << 16) | ((a[2] & 0xFF) << 8) | (a[3] & 0xFF);
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
        final int[] addresses;
        final boolean[] natted;

        Snapshot(RoutingTable table) {
            this.table = table;
            List<Backend> all = new ArrayList<>(table.backends());
            if (table.fallback() != null) {
                all.add(table.fallback());
            }
            backends = all.toArray(new Backend[0]);
            addresses = new int[backends.length];
            natted = new boolean[backends.length];
            boolean natService = table.service().method() == ForwardingMethod.NAT;
            for (int i = 0; i < backends.length; i++) {
                Backend b = backends[i];
                addresses[i] = ipv4("address of " + b.label() + " in service \"" + table.service().label() + "\"",
                        b.address());
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
