package io.lb4j.testsupport.netns;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How one host of a {@link NetnsLab} is set up beyond its {@code eth0} address, given to
 * {@link NetnsLab.Builder#host(String, String, java.util.function.Consumer)}. Applied in this order: VIPs, sysctls,
 * routes (in the order given, so a host route to a gateway can precede the default route through it).
 */
public final class HostSetup {

    final List<String> vips = new ArrayList<>();
    final Map<String, String> sysctls = new LinkedHashMap<>();
    final List<List<String>> routes = new ArrayList<>();
    /** {@code eth1}, {@code eth2}, ...: {segment, address with prefix length}, in order. */
    final List<List<String>> links = new ArrayList<>();
    /** The segment {@code eth0} is on; {@code null} for the lab's main bridge. */
    String segment;
    boolean callersNamespace;

    HostSetup() {
    }

    /**
     * Puts the host in the caller's own network namespace instead of a namespace of its own: its interface is this
     * end of its veth pair, named {@code <the lab's 6 hex digits>-<host>} (so the host's name has at most 8
     * characters), and this JVM's own threads are on the lab: a balancer whose health checks and AF_PACKET socket
     * must live in the test's JVM. The namespace is shared with everything else on the machine, so such a host may
     * not have a {@link #vip VIP} and its {@link #sysctl sysctls} must be its interface's own (keys naming
     * {@code eth0}, which stands for its interface, e.g. {@code net.ipv4.conf.eth0.forwarding}); they and its routes
     * go with the interface when the lab closes. Its address's subnet must be unused in the caller's namespace.
     */
    public HostSetup callersNamespace() {
        callersNamespace = true;
        return this;
    }

    /**
     * A direct-routing real server's VIP, set up as the README says: for IPv4 {@code address} as a /32 on {@code lo},
     * so the host accepts packets for it, and {@code arp_ignore=1} and {@code arp_announce=2} on {@code all} and
     * {@code eth0}, so it never answers ARP for it nor uses it as the source of its own ARP requests (only the
     * balancer answers for the VIP); for IPv6 {@code ip -6 addr add ADDRESS/128 dev lo nodad} and nothing else (the
     * host answers neighbour solicitations only for its interfaces' own addresses, and never solicits from one on
     * {@code lo}).
     */
    public HostSetup vip(String address) {
        vips.add(Objects.requireNonNull(address, "address"));
        return this;
    }

    /**
     * Sets {@code key} (e.g. {@code net.ipv4.ip_forward}) to {@code value} in the host's namespace; a key naming
     * {@code eth0} names the host's lab interface (see {@link #callersNamespace()}).
     */
    public HostSetup sysctl(String key, String value) {
        sysctls.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Puts {@code eth0} on segment {@code name} (a bridge of its own, created with the first host on it) instead of the
     * lab's main bridge: hosts behind a router ({@link #link link} gives the router its leg on the segment). A segment's
     * name is a lowercase letter and up to 3 lowercase letters or digits, not {@code p}.
     */
    public HostSetup segment(String name) {
        segment = NetnsLab.checkSegment(Objects.requireNonNull(name, "name"));
        return this;
    }

    /**
     * Adds the next interface ({@code eth1}, then {@code eth2}, ...) on segment {@code segment} with {@code address}
     * (with its prefix length): a router's leg on a second network. Not for a host in the caller's namespace.
     */
    public HostSetup link(String segment, String address) {
        NetnsLab.checkSegment(Objects.requireNonNull(segment, "segment"));
        if (!Objects.requireNonNull(address, "address").contains("/")) {
            throw new IllegalArgumentException("address on segment " + segment + ": \"" + address
                    + "\" (expected: an address with its prefix length, e.g. 10.0.1.1/24)");
        }
        links.add(List.of(segment, address));
        return this;
    }

    /** A route to {@code destination} (e.g. {@code 10.0.0.2/32}) on {@code eth0}'s link, without a gateway. */
    public HostSetup route(String destination) {
        routes.add(List.of(Objects.requireNonNull(destination, "destination"), "dev", "eth0"));
        return this;
    }

    /** A route to {@code destination} ({@code default} for the default route) via {@code gateway}. */
    public HostSetup route(String destination, String gateway) {
        routes.add(List.of(Objects.requireNonNull(destination, "destination"), "via",
                Objects.requireNonNull(gateway, "gateway")));
        return this;
    }
}
