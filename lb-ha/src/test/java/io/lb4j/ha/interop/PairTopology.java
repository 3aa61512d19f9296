package io.lb4j.ha.interop;

import io.lb4j.testsupport.netns.HostSetup;
import io.lb4j.testsupport.netns.NetnsLab;

import java.util.List;
import java.util.function.Consumer;

/**
 * The pair tests' network, on lb-test-support's {@link NetnsLab} ({@code lb4jha-XXXXXX-*}): node A 10.77.0.1 (lb4j),
 * node B 10.77.0.2 (keepalived or a second lb4j) and a client C 10.77.0.10, all /24 on one bridge.
 */
final class PairTopology {

    static final String SUBNET = "10.77.0.";
    static final String VIP = "10.77.0.100";
    /** The packet-engine pair's floating gateway: a second VRRP address, the MASQ fallback's default route. */
    static final String GATEWAY = "10.77.0.99";
    static final String R1 = "10.77.0.110";
    static final String R2 = "10.77.0.111";

    private PairTopology() {
    }

    private static NetnsLab.Builder nodes(Consumer<HostSetup> node) {
        return NetnsLab.builder("lb4jha")
                .host("a", SUBNET + "1/24", node)
                .host("b", SUBNET + "2/24", node)
                .host("c", SUBNET + "10/24");
    }

    /** A, B and C. */
    static NetnsLab pair() {
        return nodes(h -> { }).build();
    }

    /**
     * A, B and C, plus two direct-routing real servers R1 and R2 (the VIP on {@code lo}, never answered by ARP) and a
     * MASQ fallback F 10.77.0.120/32 whose default route is the pair's floating {@link #GATEWAY}. Default offloads:
     * the engines on A and B forward the super-frames the hosts send.
     */
    static NetnsLab pairWithRealServers() {
        // The packet engine forwards the VIP's frames; the node's kernel must not forward them a second time.
        NetnsLab.Builder b = nodes(h -> h.sysctl("net.ipv4.ip_forward", "0"));
        for (String[] r : List.of(new String[] {"r1", R1}, new String[] {"r2", R2})) {
            b.host(r[0], r[1] + "/24", h -> h.vip(VIP));
        }
        // The fallback answers through the pair's floating gateway, which only the master's engine answers for.
        b.host("f", SUBNET + "120/32", h -> h.route(GATEWAY + "/32").route("default", GATEWAY));
        return b.build();
    }

    /** Whether an {@code ip -o monitor address} line says the VIP was added. */
    static boolean vipAdded(String monitorLine) {
        return monitorLine.contains(" " + VIP + "/") && !monitorLine.startsWith("Deleted");
    }

    /** Makes the client resolve the VIP: a TCP connection attempt to port 9 (refused or not, ARP happens). */
    static void clientTouchesVip(NetnsLab lab) {
        lab.host("c").attempt("timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/" + VIP + "/9 || true");
    }
}
