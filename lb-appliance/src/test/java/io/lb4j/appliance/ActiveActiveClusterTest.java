package io.lb4j.appliance;

import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.testsupport.net.TestServerMain;
import io.lb4j.testsupport.net.TransferClient;
import io.lb4j.testsupport.netns.Bird;
import io.lb4j.testsupport.netns.ClusterLab;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Active-active: three appliance nodes (each its own JVM with the packet engine, direct routing, and its own BIRD 2)
 * announce one VIP over BGP to a router namespace whose BIRD merges their paths into one ECMP route
 * ({@code merge paths on}, {@code fib_multipath_hash_policy=1}); three primary real servers and a fallback (VIP on
 * {@code lo}, direct routing: replies go straight to the router, bypassing the balancers); a client behind the router.
 * Root and Debian's {@code bird2}; run under {@code flock /tmp/lb4j-netns.lock}.
 *
 * <p>The first test's timeline (nodes that share nothing but Maglev): a and b announce; 20 downloads of 256 MiB
 * start; c joins (its BIRD comes up) and ECMP moves some of the established downloads to it; every node has
 * connections; c dies (its link goes down, SIGKILL of its balancer and its BIRD) and its downloads move back to a and
 * b; every download completes byte-exact; then the primary cluster goes down and every surviving node sends new
 * connections to the fallback. The second test (nodes sharing services and flows): a real server removed
 * mid-transfer, then a node's death: flow sync keeps every download on its server; only the removed server's clients
 * move; nodes see a server down within one check interval of each other; a node whose JVM dies loses its path though
 * its BIRD runs on.
 *
 * <pre>
 *                client 10.218.1.10 (and .11-.49 in the second test: 40 clients)
 *                      | segment cl
 *             router 10.218.1.1 / 10.218.0.1  (BIRD: ECMP over the nodes announcing the VIP)
 *                      | main segment 10.218.0.0/24
 *   +----------+-------+-----+-----------+-----------+----------+----------+
 *   a .11      b .12         c .13       r1 .21      r2 .22     r3 .23     f .30
 *   (lb4j + BIRD nodes, packet engine)   (VIP on lo; default route via the router)
 * </pre>
 */
class ActiveActiveClusterTest {

    private static final String VIP = ClusterLab.VIP;
    private static final int PORT = 7000;
    private static final List<String> NODES = ClusterLab.NODES;
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final long MIB = 1024 * 1024;
    /** Client addresses of the client host, 10.218.1.10 on. */
    private static final int CLIENTS = 40;
    /** The bulk ends (generating, sending, digesting 5 GiB) need the optimizing compiler the lab's JVMs leave out. */
    private static final String C2 = "-XX:TieredStopAtLevel=4";

    @BeforeAll
    static void requireLab() {
        Optional<String> why = NetnsLab.unavailable("bird", "birdc");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
        assumeTrue(PacketEngine.isAvailable(), () -> "skipped: " + PacketEngine.unavailabilityCause().orElseThrow());
        Optional<String> noTun = NetnsLab.tunUnavailable();
        assumeTrue(noTun.isEmpty(), () -> "skipped: the nodes' lifelines: " + noTun.orElseThrow());
    }

    /** The lab of the class comment (lb-test-support's {@link ClusterLab}). */
    static NetnsLab lab() {
        return ClusterLab.build("lb4jaa");
    }

    /** Starts the digest service on each of {@code hosts}, named after it in capitals. */
    private static Map<String, ChildProcess> startServers(NetnsLab lab, List<String> hosts) {
        Map<String, ChildProcess> servers = new LinkedHashMap<>();
        for (String r : hosts) {
            ChildProcess server = lab.host(r).startJava(List.of("-Xmx128m", C2), TestServerMain.class,
                    r.toUpperCase(), "digest:" + PORT);
            assertThat(server.await(0, "READY"::equals, LIMIT)).as(r + " server").isPresent();
            servers.put(r, server);
        }
        return servers;
    }

    /** Writes node {@code n}'s appliance file with {@code reals} (see {@link ClusterLab#nodeFile}) and starts it. */
    private static ApplianceProcess startNode(NetnsLab lab, String n, List<String> reals, boolean share)
            throws Exception {
        Path file = Files.writeString(lab.directory().resolve(n + ".yaml"),
                ClusterLab.nodeFile(lab, n, PORT, reals, share));
        return ApplianceProcess.startInNamespace(lab.host(n).namespace(), "--config", file.toString());
    }

    @Test
    void flowsSpreadOverEveryNodeSurviveANodeAddedAndANodeKilledMidTransferAndEveryNodeFailsOverToTheFallback()
            throws Exception {
        NetnsLab lab = lab();
        Map<String, ApplianceProcess> nodes = new LinkedHashMap<>();
        Map<String, Bird> birds = new LinkedHashMap<>();
        try (lab) {
            try {
                ClusterLab.startRouter(lab);
                Map<String, ChildProcess> servers = startServers(lab, List.of("r1", "r2", "f"));
                // Nodes a and b with their BIRDs; c runs, but its BIRD is not there yet (its announcer retries).
                for (String n : NODES) {
                    if (!n.equals("c")) {
                        birds.put(n, ClusterLab.startBird(lab, n));
                    }
                    nodes.put(n, startNode(lab, n, List.of("r1", "r2"), false));
                }
                // Each node announces the VIP once its engine runs and a real server is up; c cannot yet.
                for (String n : List.of("a", "b")) {
                    nodes.get(n).awaitStdoutContains("lb4j: cluster: " + VIP + " ANNOUNCED", LIMIT);
                }
                nodes.get("c").awaitStdoutContains("lb4j: cluster: " + VIP + " FAILED", LIMIT);
                awaitNextHops(lab, NODES.subList(0, 2));

                // 20 downloads of 256 MiB at once: the real servers send, their replies bypass the balancers. Paced at
                // 10 MiB/s each, so they last ~26 s on any machine: longer than c takes to join and to die.
                ChildProcess client = lab.host("client").startJava(List.of("-Xmx256m", C2), TransferClient.class, VIP,
                        Integer.toString(PORT), "20", 256 * MIB + "/" + 10 * MIB, "7", "600", Long.toString(8 * MIB));
                Optional<ChildProcess.Line> underway = client.await(0, l -> l.equals("UNDERWAY")
                        || l.startsWith("FAILED"), LIMIT);
                if (underway.isEmpty() || !underway.get().text().equals("UNDERWAY")) {
                    throw new AssertionError("transfers not under way\n" + diagnostics(lab, nodes, client, servers));
                }

                // Node c joins mid-transfer: its BIRD comes up, c's announcer gets through, the router spreads the
                // VIP over three next hops and moves some established flows to c, which adopts them (Maglev: the
                // real server they began with).
                birds.put("c", ClusterLab.startBird(lab, "c"));
                nodes.get("c").awaitStdoutContains("lb4j: cluster: " + VIP + " ANNOUNCED", LIMIT);
                awaitNextHops(lab, NODES);
                // Flows spread over every node: each node's status counts connections of its own (c's are the ones
                // ECMP moved to it, counted when their next packet reaches c: polled until then).
                for (Map.Entry<String, ApplianceProcess> e : nodes.entrySet()) {
                    assertThat(awaitConnectionsSeen(e.getValue())).as("connections through node " + e.getKey())
                            .isPositive();
                }
                assertThat(client.lines()).as("no transfer ended or failed before c was killed")
                        .noneMatch(l -> l.text().startsWith("FAILED") || l.text().startsWith("OK "));

                // Node c dies as a machine dies mid-transfer: its cable goes (so no FIN of its BGP session reaches
                // the router), its balancer and its BIRD are SIGKILLed. BFD takes its path out; ECMP moves its flows
                // to a and b, which adopt them (Maglev: the same real server).
                long killed = System.nanoTime();
                lab.host("c").link(false);
                nodes.get("c").close();
                birds.get("c").process().kill();
                awaitNextHops(lab, NODES.subList(0, 2));
                long pathGone = (System.nanoTime() - killed) / 1_000_000;
                Optional<ChildProcess.Line> done = client.await(0, l -> l.startsWith("OK ")
                        || l.startsWith("FAIL "), Duration.ofSeconds(600));
                assertThat(done.map(ChildProcess.Line::text).orElse("none"))
                        .as("every transfer byte-exact\n%s", diagnostics(lab, nodes, client, servers))
                        .startsWith("OK ").contains(" 20 " + (20 * 256 * MIB) + " ");
                // For the README's figure (not asserted: it depends on the machine's load): the longest time a
                // download stood still, which the node's death, its addition and this machine's load all add to.
                System.out.println("ActiveActiveClusterTest: " + client.lines().stream().map(ChildProcess.Line::text)
                        .filter(l -> l.startsWith("LONGEST_STALL") || l.startsWith("OK ")).toList()
                        + ", path of the dead node gone after " + pathGone + " ms");

                // The seed's failover on every surviving node: the primary cluster goes down, new connections go to
                // the fallback, wherever ECMP sends them.
                // (Their links go down: the checks time out, as with a powered-off cluster.)
                lab.host("r1").link(false);
                lab.host("r2").link(false);
                for (String n : List.of("a", "b")) {
                    nodes.get(n).awaitStdoutContains("PACS: FAILED OVER to fallback", LIMIT);
                }
                ChildProcess after = lab.host("client").startJava(List.of("-Xmx64m"), TransferClient.class, VIP,
                        Integer.toString(PORT), "12", Long.toString(MIB), "8", "60", "0");
                String fallback = after.await(0, l -> l.startsWith("OK ") || l.startsWith("FAIL "), LIMIT)
                        .map(ChildProcess.Line::text).orElse("none");
                assertThat(fallback).as("every new connection on the fallback\n%s", after.text())
                        .startsWith("OK F 12 ");
                // The VIP stays announced: the fallback serves it.
                assertThat(ClusterLab.nextHops(lab)).containsExactlyInAnyOrder(lab.host("a").address(),
                        lab.host("b").address());
            } finally {
                nodes.values().forEach(ApplianceProcess::close);
            }
        }
        assertThat(lab.leftovers()).isEmpty();
    }

    /**
     * The nodes share node a's services and every node's flows ({@code peers:}); 40 client addresses spread over r1,
     * r2 and r3 the same way whichever node ECMP picks. While 40 downloads run, r3 is removed in a's file (SIGHUP; a
     * replicates to b and c) and then c dies as a machine dies: ECMP moves c's flows to a and b, which know them from
     * flow sync, so every download completes byte-exact on the server it began with, also those on r3, whose server
     * set changed since they began (Maglev alone would now pick r1 or r2 for them). Afterwards only r3's clients go
     * elsewhere. Then r2 goes dark: each node checks on its own, and a and b mark it down within one check interval of
     * each other. Last, b's JVM is SIGKILLed while its BIRD runs on: its lifeline goes, and so does its path.
     */
    @Test
    void flowsWhoseServerWasRemovedSurviveANodesDeathThroughFlowSyncAndOnlyTheRemovedServersClientsMove()
            throws Exception {
        NetnsLab lab = lab();
        Map<String, ApplianceProcess> nodes = new LinkedHashMap<>();
        Map<String, Bird> birds = new LinkedHashMap<>();
        try (lab) {
            try {
                ClusterLab.startRouter(lab);
                startServers(lab, List.of("r1", "r2", "r3"));
                ClusterLab.addClients(lab, CLIENTS); // the client host stands for 40 clients: 10.218.1.10-49
                for (String n : NODES) {
                    birds.put(n, ClusterLab.startBird(lab, n));
                    nodes.put(n, startNode(lab, n, List.of("r1", "r2", "r3"), true));
                }
                for (ApplianceProcess node : nodes.values()) {
                    node.awaitStdoutContains("lb4j: cluster: " + VIP + " ANNOUNCED", LIMIT);
                }
                awaitNextHops(lab, NODES);

                // Each client's server, whichever node ECMP sent each connection to: every node agrees (Maglev).
                Map<String, String> before = serverOfEachClient(lab);
                assertThat(before).hasSize(CLIENTS);
                assertThat(before.values()).as("the 40 clients spread over the three servers")
                        .contains("R1", "R2", "R3");
                assertThat(serverOfEachClient(lab)).as("the same server again, through any node").isEqualTo(before);

                // 40 downloads of 128 MiB, paced at 5 MiB/s each (~26 s on any machine: longer than the reload and c's
                // death take); r3 leaves the cluster's services mid-transfer (a's file, replicated).
                ChildProcess client = lab.host("client").startJava(List.of("-Xmx256m", C2), TransferClient.class, VIP,
                        Integer.toString(PORT), Integer.toString(CLIENTS), 128 * MIB + "/" + 5 * MIB, "11", "600",
                        Long.toString(4 * MIB), ClusterLab.clients(CLIENTS));
                assertThat(client.await(0, l -> l.equals("UNDERWAY") || l.startsWith("FAILED"), LIMIT)
                        .map(ChildProcess.Line::text)).as(client::text).contains("UNDERWAY");
                Map<String, Integer> mark = new LinkedHashMap<>();
                nodes.forEach((n, p) -> mark.put(n, p.stdout().length()));
                Files.writeString(lab.directory().resolve("a.yaml"),
                        ClusterLab.nodeFile(lab, "a", PORT, List.of("r1", "r2"), true));
                nodes.get("a").signal("HUP");
                nodes.get("a").awaitStdout(o -> o.substring(mark.get("a")).contains("(replicated to the other nodes"),
                        LIMIT, "a reloaded without r3 and replicated it");
                for (String n : List.of("b", "c")) {
                    nodes.get(n).awaitStdout(o -> o.substring(mark.get(n)).contains("PACS: service changed"), LIMIT,
                            "node " + n + " got the services without r3");
                }
                // Node c dies as a machine dies: its cable goes, its balancer and its BIRD are SIGKILLed. BFD takes
                // its path out; a and b take over its flows as flow sync told them.
                assertThat(client.lines()).as("no transfer ended before c died")
                        .noneMatch(l -> l.text().startsWith("OK ") || l.text().startsWith("FAIL"));
                lab.host("c").link(false);
                nodes.get("c").close();
                birds.get("c").process().kill();
                awaitNextHops(lab, NODES.subList(0, 2));

                assertThat(client.await(0, l -> l.startsWith("OK ") || l.startsWith("FAIL "), Duration.ofSeconds(600)))
                        .as(client::text).isPresent();
                Map<String, String> outcome = new LinkedHashMap<>();
                for (ChildProcess.Line line : client.lines()) {
                    Matcher m = Pattern.compile("^TRANSFER #\\d+ (\\S+) (\\S+) (OK|FAIL)").matcher(line.text());
                    if (m.find()) {
                        outcome.put(m.group(1), m.group(3).equals("OK") ? m.group(2) : "FAIL");
                    }
                }
                // Removed from the configuration, r3 still serves what it had (as IPVS keeps a removed real server's
                // connections), through any node.
                assertThat(outcome).as("every download byte-exact on the server it began with\n%s", client.text())
                        .isEqualTo(before);

                // New connections: r1's and r2's clients stay; only r3's move.
                Map<String, String> after = serverOfEachClient(lab);
                for (Map.Entry<String, String> e : before.entrySet()) {
                    if (e.getValue().equals("R3")) {
                        assertThat(after.get(e.getKey())).as(e.getKey() + " of removed r3").isIn("R1", "R2");
                    } else {
                        assertThat(after.get(e.getKey())).as(e.getKey() + " of " + e.getValue())
                                .isEqualTo(e.getValue());
                    }
                }

                // Health on every node: each node checks r2 on its own; they see it down at most one check interval
                // (1 s) apart, the phase of each node's checks; a margin for this shared 2-core machine's scheduling.
                List<String> alive = NODES.subList(0, 2);
                Map<String, Integer> seen = new LinkedHashMap<>();
                alive.forEach(n -> seen.put(n, nodes.get(n).stdout().length()));
                lab.host("r2").link(false);
                Map<String, Instant> down = new LinkedHashMap<>();
                for (String n : alive) {
                    int from = seen.get(n);
                    nodes.get(n).awaitStdout(o -> o.substring(from).contains("real server r2 DOWN"), LIMIT,
                            "node " + n + " marks r2 down");
                    String line = nodes.get(n).stdout().substring(from).lines()
                            .filter(l -> l.contains("real server r2 DOWN")).findFirst().orElseThrow();
                    down.put(n, Instant.parse(line.substring(0, line.indexOf(' '))));
                }
                Duration spread = Duration.between(down.values().stream().min(Instant::compareTo).orElseThrow(),
                        down.values().stream().max(Instant::compareTo).orElseThrow());
                System.out.println("ActiveActiveClusterTest: r2 marked down by a, b at " + down.values()
                        + ": spread " + spread.toMillis() + " ms");
                assertThat(spread).as("nodes disagree about r2 for at most one check interval: %s", down)
                        .isLessThanOrEqualTo(Duration.ofMillis(1_500));

                // b's balancer dies, its BIRD does not: the lifeline's interface goes with the JVM, BIRD drops the
                // routes through it and withdraws them.
                long killed = System.nanoTime();
                nodes.get("b").close();
                awaitNextHops(lab, List.of("a"));
                long gone = (System.nanoTime() - killed) / 1_000_000;
                System.out.println("ActiveActiveClusterTest: b's JVM SIGKILLed, its path gone after " + gone + " ms");
                assertThat(birds.get("b").process().isAlive()).as("b's BIRD runs on").isTrue();
                assertThat(gone).as("path of a dead balancer with a live BIRD gone after (ms)").isLessThan(2_000);
            } finally {
                nodes.values().forEach(ApplianceProcess::close);
            }
        }
        assertThat(lab.leftovers()).isEmpty();
    }

    /** One 1 MiB download from each client address: the server (R1, R2, R3) each was sent to. */
    private static Map<String, String> serverOfEachClient(NetnsLab lab) throws Exception {
        ChildProcess probe = lab.host("client").startJava(List.of("-Xmx64m"), TransferClient.class, VIP,
                Integer.toString(PORT), Integer.toString(CLIENTS), Long.toString(MIB), "5", "60", "0",
                ClusterLab.clients(CLIENTS));
        String end = probe.await(0, l -> l.startsWith("OK ") || l.startsWith("FAIL "), LIMIT)
                .map(ChildProcess.Line::text).orElse("none");
        assertThat(end).as(probe::text).startsWith("OK ");
        Map<String, String> servers = new TreeMap<>();
        for (ChildProcess.Line line : probe.lines()) {
            Matcher m = Pattern.compile("^TRANSFER #\\d+ (\\S+) (\\S+) OK").matcher(line.text());
            if (m.find()) {
                servers.put(m.group(1), m.group(2));
            }
        }
        return servers;
    }

    /**
     * The connections a node has scheduled so far, from its status table (SIGHUP reloads the unchanged file and
     * prints the table): the sum of the "total" column of the service's real servers.
     */
    /** {@link #connectionsSeen} once it is positive, or its last value when {@code LIMIT} passes first. */
    private static long awaitConnectionsSeen(ApplianceProcess node) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        long seen = connectionsSeen(node);
        while (seen == 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(100); // polling: each try is a SIGHUP and a status table
            seen = connectionsSeen(node);
        }
        return seen;
    }

    private static long connectionsSeen(ApplianceProcess node) throws Exception {
        int before = node.stdout().length();
        node.signal("HUP");
        node.awaitStdout(s -> s.length() > before && s.substring(before).contains("(fallback)"), LIMIT,
                "the status table after SIGHUP");
        long total = 0;
        for (String line : node.stdout().substring(before).lines().toList()) {
            Matcher m = Pattern.compile("\\s(r1|r2)\\s.*\\s(\\d+)\\s+(\\d+)\\s*$").matcher(line);
            if (m.find()) {
                total += Long.parseLong(m.group(3));
            }
        }
        return total;
    }

    /** What the nodes, the router, the client and the servers say, for a failure's message. */
    private static String diagnostics(NetnsLab lab, Map<String, ApplianceProcess> nodes, ChildProcess client,
                                      Map<String, ChildProcess> servers) {
        StringBuilder s = new StringBuilder();
        nodes.forEach((n, p) -> s.append("--- node ").append(n).append(" stdout:\n").append(p.stdout())
                .append("--- stderr:\n").append(p.stderr()));
        s.append("--- router:\n").append(lab.host("router").attempt("ip", "route").output());
        for (String n : NODES) {
            s.append("--- ").append(n).append(" link:\n").append(lab.host(n).attempt("ip", "-s", "link", "show",
                    "eth0").output());
        }
        s.append("--- client:\n").append(client.text());
        servers.forEach((n, p) -> s.append("--- server ").append(n).append(":\n").append(p.text()));
        return s.toString();
    }

    private static void awaitNextHops(NetnsLab lab, List<String> nodes) throws InterruptedException {
        ClusterLab.awaitNextHops(lab, nodes, LIMIT);
    }
}
