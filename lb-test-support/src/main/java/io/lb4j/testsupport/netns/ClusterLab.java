package io.lb4j.testsupport.netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * The active-active lab, one definition for the cluster's tests and its benchmark: a router whose BIRD spreads the
 * VIP over the nodes that announce it (ECMP, {@code fib_multipath_hash_policy=1}), three balancer nodes, three real
 * servers and a fallback for direct routing (VIP on {@code lo}, default route via the router), and a client host
 * behind the router that can stand for many clients ({@link #addClients}).
 *
 * <pre>
 *                client 10.218.1.10 (.11 and on: more clients)
 *                      | segment cl
 *             router 10.218.1.1 / 10.218.0.1  (BIRD: ECMP over the nodes announcing the VIP)
 *                      | main segment 10.218.0.0/24
 *   +----------+-------+-----+-----------+-----------+----------+----------+
 *   a .11      b .12         c .13       r1 .21      r2 .22     r3 .23     f .30
 *   (balancer nodes, each with its BIRD)  (VIP on lo; default route via the router)
 * </pre>
 */
public final class ClusterLab {

    /** The VIP every node announces. */
    public static final String VIP = "10.218.100.100";
    /** The router's address on the main segment, the nodes' BGP neighbour (AS 65000; the nodes are AS 65001). */
    public static final String ROUTER = "10.218.0.1";
    /** The balancer nodes' host names. */
    public static final List<String> NODES = List.of("a", "b", "c");

    private ClusterLab() {
    }

    /** Builds the lab; {@code prefix} names its namespaces (see {@link NetnsLab#builder}). */
    public static NetnsLab build(String prefix) {
        Consumer<HostSetup> real = h -> h.vip(VIP).route("default", ROUTER);
        return NetnsLab.builder(prefix)
                .host("router", ROUTER + "/24", h -> h.link("cl", "10.218.1.1/24")
                        .sysctl("net.ipv4.ip_forward", "1").sysctl("net.ipv4.fib_multipath_hash_policy", "1")
                        .sysctl("net.ipv4.conf.all.rp_filter", "0"))
                .host("a", "10.218.0.11/24").host("b", "10.218.0.12/24").host("c", "10.218.0.13/24")
                .host("r1", "10.218.0.21/24", real).host("r2", "10.218.0.22/24", real)
                .host("r3", "10.218.0.23/24", real).host("f", "10.218.0.30/24", real)
                .host("client", "10.218.1.10/24", h -> h.segment("cl").route("default", "10.218.1.1"))
                .build();
    }

    /** The router's BIRD: eBGP with BFD toward every node, one ECMP route over the nodes that announce. */
    public static Bird startRouter(NetnsLab lab) {
        List<String> nodes = NODES.stream().map(n -> lab.host(n).address()).toList();
        return Bird.start(lab, lab.host("router"), Bird.ecmpRouter(ROUTER, 65000, 65001, nodes, true));
    }

    /** Node {@code name}'s BIRD, including the file its balancer writes ({@link #include}). */
    public static Bird startBird(NetnsLab lab, String name) {
        return Bird.start(lab, lab.host(name), Bird.balancer(lab.host(name).address(), include(lab, name)));
    }

    /** The file node {@code name}'s balancer writes and its BIRD includes. */
    public static Path include(NetnsLab lab, String name) {
        return lab.directory().resolve(name + "-lb4j.conf");
    }

    /**
     * Gives the client host {@code count} addresses in all, 10.218.1.10 on (at most 200): one program binding to each
     * stands for that many clients, for a balancer that hashes on the client's address.
     */
    public static void addClients(NetnsLab lab, int count) {
        if (count < 1 || count > 200) {
            throw new IllegalArgumentException("count: " + count + " (expected: 1-200)");
        }
        for (int i = 11; i < 10 + count; i++) {
            lab.host("client").run("ip", "address", "add", "10.218.1." + i + "/24", "dev", "eth0");
        }
    }

    /** {@code FIRST+N} of the client's {@code count} addresses, as {@code TransferClient} takes them. */
    public static String clients(int count) {
        return "10.218.1.10+" + count;
    }

    /** As {@link #nodeFile(NetnsLab, String, int, List, boolean)}, sharing nothing with the other nodes. */
    public static String nodeFile(NetnsLab lab, String name, int port, List<String> reals) {
        return nodeFile(lab, name, port, reals, false);
    }

    /**
     * An appliance file for node {@code name}: the packet engine on {@code eth0}, service PACS on the VIP and
     * {@code port} with {@code reals} (among r1, r2, r3; connect checks every second, down after 3) and the fallback,
     * and the {@code cluster:} section toward the router with BFD. With {@code share}, the nodes share node a's
     * services and every node's flows ({@code listen}, {@code peers}, {@code primary: a}, a secret file in the lab's
     * directory, written here when missing).
     */
    public static String nodeFile(NetnsLab lab, String name, int port, List<String> reals, boolean share) {
        StringBuilder servers = new StringBuilder();
        for (String r : reals) {
            if (!List.of("r1", "r2", "r3").contains(r)) {
                throw new IllegalArgumentException("real server: " + r + " (expected: r1, r2 or r3)");
            }
            servers.append("      - { label: ").append(r).append(", address: 10.218.0.2").append(r.substring(1))
                    .append(" }\n");
        }
        return """
                engine: packet
                interface: eth0
                services:
                  - label: PACS
                    address: %s
                    ports: [%d]
                    healthCheck: { type: connect, interval: 1s, timeout: 1s, failAfter: 3, riseAfter: 1 }
                    realServers:
                %s    fallback: { address: 10.218.0.30, masquerade: false }
                cluster:
                  daemon: bird
                  socket: %s
                  configFile: %s
                  localAs: 65001
                  neighbours:
                    - { address: %s, as: 65000 }
                  bfd: true
                """.formatted(VIP, port, servers, Bird.socket(lab, lab.host(name)), include(lab, name), ROUTER)
                + (share ? sharing(lab, name) : "");
    }

    /** The keys by which node {@code name} shares node a's services and every node's flows. */
    private static String sharing(NetnsLab lab, String name) {
        Path secret = lab.directory().resolve("cluster.secret");
        try {
            if (!Files.exists(secret)) {
                Files.writeString(secret, "lab-secret-0123456789abcdef-0123456789\n");
                Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> others = NODES.stream().filter(n -> !n.equals(name)).map(n -> lab.host(n).address()).toList();
        return """
                  listen: %s
                  peers: [%s]
                  primary: %s
                  secretFile: %s
                  stateDirectory: %s
                """.formatted(lab.host(name).address(), String.join(", ", others), lab.host("a").address(), secret,
                lab.directory().resolve("state-" + name));
    }

    /** The router's next hops for the VIP now. */
    public static List<String> nextHops(NetnsLab lab) {
        return Bird.nextHops(lab.host("router"), VIP);
    }

    /**
     * Polls the router's route to the VIP until its next hops are the addresses of {@code nodes}, in any order.
     *
     * @throws AssertionError with the router's table after {@code limit}
     */
    public static void awaitNextHops(NetnsLab lab, List<String> nodes, Duration limit) throws InterruptedException {
        List<String> expected = nodes.stream().map(n -> lab.host(n).address()).toList();
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            List<String> now = nextHops(lab);
            if (now.size() == expected.size() && now.containsAll(expected)) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("router's next hops for " + VIP + ": " + now + " (expected: " + expected
                        + ")\n" + lab.host("router").run("ip", "route"));
            }
            Thread.sleep(5); // polling the router's table
        }
    }
}
