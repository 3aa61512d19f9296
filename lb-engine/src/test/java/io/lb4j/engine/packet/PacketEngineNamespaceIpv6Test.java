package io.lb4j.engine.packet;

import io.lb4j.engine.packet.lab.LabBalancer;
import io.lb4j.engine.packet.lab.LabClient;
import io.lb4j.testsupport.net.TestServerMain;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * System test: {@link PacketEngineNamespaceTest}'s deployment over IPv6 (root only). The client resolves the VIP by
 * NDP and the engine answers; the primary carries the VIP on {@code lo} as a /128 (Linux answers Neighbour
 * Solicitations on an interface only for that interface's own addresses, so the primary never answers for a VIP on
 * {@code lo}: no counterpart of {@code arp_ignore} is needed, and the test checks the client's neighbour cache); the
 * secondary is a MASQ fallback reached by NAT66 whose replies pass the balancer to be un-NATed. Addresses are added
 * without duplicate address detection ({@code nodad}), so they are usable at once. Hosts keep their default offloads,
 * so the engine sees the TSO/GRO super-frames of TCP over IPv6 (GSO type TCPV6).
 *
 * <pre>
 *   client    fd00:213:6::10/64  ─┐
 *   balancer  fd00:213:6::2/64   ─┤ br0 (own namespace)
 *   primary   fd00:213:6::110/64 ─┤   VIP fd00:213:6::100/128 on lo (direct routing)
 *   secondary fd00:213:6::120/128 ┘   host route to the balancer, default via it (replies pass it to be un-NATed)
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PacketEngineNamespaceIpv6Test {

    static final Duration ANSWER = Duration.ofSeconds(15);
    static final String VIP = "fd00:213:6::100";
    static final String BALANCER = "fd00:213:6::2";
    static final String PRIMARY = "fd00:213:6::110";
    static final String SECONDARY = "fd00:213:6::120";
    /** The appliance guide's seven ports. */
    static final int[] PORTS = {104, 80, 8080, 443, 8443, 5222, 1001};
    static final int DIGEST = 2001;
    static final long GIB = 1L << 30;
    static final Duration TRANSFER_LIMIT = Duration.ofSeconds(120);
    static final Duration TRANSFER_ANSWER = TRANSFER_LIMIT.plusSeconds(30);
    static final List<String> FULL_JIT = List.of("-XX:TieredStopAtLevel=4", "-Xmx256m");

    NetnsLab lab;
    final List<ChildProcess> agents = new ArrayList<>();
    ChildProcess primaryServer;
    ChildProcess balancer;
    ChildProcess client;

    @BeforeAll
    void buildLab() {
        Optional<String> notRoot = NetnsLab.unavailable();
        Assumptions.assumeTrue(notRoot.isEmpty(), () -> "system test skipped: " + notRoot.orElseThrow());
        PacketEngine.ensureAvailability();
        assertThat(Command.missing("tcpdump")).as("the namespace system test's tools").isEmpty();
        lab = NetnsLab.builder("lb4jt6")
                .host("client", "fd00:213:6::10/64")
                .host("balancer", BALANCER + "/64")
                .host("primary", PRIMARY + "/64", h -> h.vip(VIP))
                .host("secondary", SECONDARY + "/128", h -> h.route(BALANCER + "/128").route("default", BALANCER))
                .build();
        primaryServer = server("primary");
        server("secondary");
        // Manual failover plus a fast connect check on 8080 (250 ms interval, down after 3 failures).
        List<String> args = new ArrayList<>(List.of("eth0", VIP, PRIMARY, SECONDARY, "8080",
                Integer.toString(DIGEST)));
        for (int port : PORTS) {
            args.add(Integer.toString(port));
        }
        balancer = ready(lab.host("balancer").startJava(FULL_JIT, LabBalancer.class, args.toArray(String[]::new)));
        client = ready(lab.host("client").startJava(FULL_JIT, LabClient.class));
    }

    /** HTTP on 80 and 8080, a greeting and an echo on the other ports, bulk transfers on {@link #DIGEST}. */
    private ChildProcess server(String name) {
        List<String> args = new ArrayList<>(List.of(name, "digest:" + DIGEST));
        for (int port : PORTS) {
            args.add(port == 80 || port == 8080 ? "http:" + port : Integer.toString(port));
        }
        return ready(lab.host(name).startJava(FULL_JIT, TestServerMain.class, args.toArray(String[]::new)));
    }

    private ChildProcess ready(ChildProcess agent) {
        agents.add(agent);
        agent.next("READY"::equals, ANSWER);
        return agent;
    }

    @AfterAll
    void tearDown() {
        if (lab == null) {
            return;
        }
        try {
            lab.close();
        } finally {
            Path logs = Path.of("target", "lb4j-lab", getClass().getSimpleName());
            for (ChildProcess a : agents) {
                try {
                    Files.createDirectories(logs);
                    Files.write(logs.resolve(a + ".log"), a.transcript());
                } catch (IOException e) {
                    System.err.println("lab log of " + a + ": " + e);
                }
            }
            agents.clear();
        }
    }

    @BeforeEach
    void primaryInService() {
        if (!primaryServer.isAlive()) {
            primaryServer = server("primary");
        }
        assertThat(balancer.ask("online", ANSWER)).isEqualTo("OK online");
        awaitStatus("onFallback=false primary=UP");
    }

    /** Connects through the VIP from the client (HTTP on 80 and 8080, an echo elsewhere, 200 kB each way). */
    private String reach(int port) {
        String command = port == 80 || port == 8080 ? "http " : "connect ";
        String answer = client.ask(command + VIP + " " + port + " 200000", ANSWER);
        assertThat(answer).as("connection to [VIP]:%d (balancer transcript: %s)", port, balancer.transcript())
                .startsWith("OK ");
        assertThat(answer).endsWith(" " + port);
        return answer.split(" ")[1];
    }

    private void assertAllPortsReach(String server) {
        for (int port : PORTS) {
            assertThat(reach(port)).as("[VIP]:%d", port).isEqualTo(server);
        }
    }

    private void awaitStatus(String expected) {
        long deadline = System.nanoTime() + ANSWER.toNanos();
        String status;
        while (!(status = balancer.ask("status", ANSWER)).contains(expected)) {
            assertThat(System.nanoTime() - deadline).as("status %s within %s (last: %s; balancer: %s)", expected,
                    ANSWER, status, balancer.transcript()).isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    // tcpdump -nn prints IPv6 packets as "TIME IP6 SRC.PORT > DST.PORT: ..."
    private static List<String> packets(ChildProcess tcpdump) {
        return tcpdump.transcript().stream().filter(l -> l.contains(" IP6 ") && l.contains(" > ")).toList();
    }

    private static String source(String line) {
        return line.substring(line.indexOf(" IP6 ") + 5, line.indexOf(" > "));
    }

    private static String destination(String line) {
        int from = line.indexOf(" > ") + 3;
        return line.substring(from, line.indexOf(": ", from));
    }

    private static long stat(String stats, String name) {
        Matcher m = Pattern.compile("[\\[ ]" + name + "=(\\d+)").matcher(stats);
        assertThat(m.find()).as("%s in %s", name, stats).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    @Order(1)
    void directRoutingReachesThePrimaryOnAllSevenPortsAndItsRepliesBypassTheBalancer() {
        ChildProcess tcpdump = lab.host("balancer").tcpdump("ip6 and tcp and host " + VIP);
        try {
            assertAllPortsReach("primary");
        } finally {
            tcpdump.close();
        }
        List<String> lines = packets(tcpdump);
        long toVip = lines.stream().filter(l -> destination(l).startsWith(VIP + ".")).count();
        long fromVip = lines.stream().filter(l -> source(l).startsWith(VIP + ".")).count();
        assertThat(toVip).as("client packets seen on the balancer").isGreaterThan(PORTS.length * 3L);
        assertThat(fromVip).as("server replies seen on the balancer (direct routing: none)").isZero();
        String stats = balancer.ask("stats", ANSWER);
        assertThat(stats).contains("forwardedNat=0", "repliesUnNatted=0");
        assertThat(stat(stats, "neighbourSolicitsSent")).as("the engine resolved the servers by NDP").isPositive();
        assertThat(stat(stats, "neighbourAdvertsSent")).as("the engine answered for the VIP").isPositive();
        // The engine answered the client's solicitation for the VIP; the primary, with the VIP on lo, did not.
        assertThat(lab.host("client").neighbour(VIP)).as("the client's neighbour entry for the VIP")
                .contains(lab.host("balancer").mac());
    }

    @Test
    @Order(2)
    void haltSendsNewConnectionsToTheSecondaryThroughNat66AndOnlineBringsThemBack() {
        assertThat(balancer.ask("halt", ANSWER)).isEqualTo("OK halted");
        awaitStatus("onFallback=true primary=HALTED");
        String before = balancer.ask("stats", ANSWER);
        assertAllPortsReach("secondary");
        String after = balancer.ask("stats", ANSWER);
        assertThat(stat(after, "forwardedNat")).isGreaterThan(stat(before, "forwardedNat"));
        assertThat(stat(after, "repliesUnNatted")).isGreaterThan(stat(before, "repliesUnNatted"));

        assertThat(balancer.ask("online", ANSWER)).isEqualTo("OK online");
        assertAllPortsReach("primary");
    }

    @Test
    @Order(3)
    void aDeadPrimaryFailsOverToTheSecondaryAndBack() {
        primaryServer.close();                                          // the primary's services die
        awaitStatus("onFallback=true primary=DOWN");                    // 3 failed checks 250 ms apart
        assertAllPortsReach("secondary");

        primaryServer = server("primary");
        awaitStatus("onFallback=false primary=UP");
        assertAllPortsReach("primary");
    }

    private void transfer(String direction, long bytes, long seed, String server) {
        String answer = client.ask(direction + " " + VIP + " " + DIGEST + " " + bytes + " " + seed + " "
                + TRANSFER_LIMIT.toSeconds(), TRANSFER_ANSWER);
        System.out.println(getClass().getSimpleName() + ": " + direction + " " + answer);
        assertThat(answer).as("%s of %d bytes through the VIP, byte-exact (SHA-256 at both ends); stats: %s",
                        direction, bytes, balancer.ask("stats", ANSWER))
                .matches("OK " + server + " " + DIGEST + " " + bytes + " [0-9a-f]{64} \\d+ms");
    }

    @Test
    @Order(4)
    void aGibibyteByDirectRoutingArrivesIntactBothWaysAndNoReplyPassesTheBalancer() {
        ChildProcess tcpdump = lab.host("balancer").tcpdump("ip6 and tcp and host " + VIP + " and (src host " + VIP
                + " or ip6[53] & 0x03 != 0)");
        String before = balancer.ask("stats", ANSWER);
        try {
            transfer("upload", GIB, 1, "primary");
            transfer("download", GIB, 2, "primary");
        } finally {
            tcpdump.close();
        }
        String after = balancer.ask("stats", ANSWER);
        List<String> lines = packets(tcpdump);
        assertThat(lines.stream().filter(l -> destination(l).equals(VIP + "." + DIGEST)))
                .as("the client's SYNs and FINs seen on the balancer").hasSizeGreaterThanOrEqualTo(2);
        assertThat(lines.stream().filter(l -> source(l).startsWith(VIP + ".")))
                .as("the primary's replies seen on the balancer (direct routing: none)").isEmpty();
        assertThat(stat(after, "forwardedDirect") - stat(before, "forwardedDirect"))
                .as("frames forwarded by direct routing during the upload (64 KiB at most each)")
                .isGreaterThanOrEqualTo(GIB / (64 * 1024));
        assertThat(stat(after, "superFrames") - stat(before, "superFrames"))
                .as("the client's TSO super-frames over IPv6, forwarded whole").isPositive();
    }

    @Test
    @Order(5)
    void afterHaltAGibibyteTravelsThroughNat66ToTheSecondaryIntactBothWays() {
        assertThat(balancer.ask("halt", ANSWER)).isEqualTo("OK halted");
        awaitStatus("onFallback=true primary=HALTED");
        String before = balancer.ask("stats", ANSWER);
        transfer("upload", GIB, 4, "secondary");
        transfer("download", GIB, 5, "secondary");
        String after = balancer.ask("stats", ANSWER);
        assertThat(stat(after, "forwardedNat") - stat(before, "forwardedNat")).as("frames NATed to the secondary")
                .isGreaterThanOrEqualTo(GIB / (64 * 1024));
        assertThat(stat(after, "repliesUnNatted") - stat(before, "repliesUnNatted"))
                .as("the secondary's replies un-NATed").isGreaterThanOrEqualTo(GIB / (64 * 1024));
    }
}
