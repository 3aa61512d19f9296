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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * System test: the packet engine as the appliance guide deploys it, in network namespaces (root only). A client
 * talks to the VIP; the engine runs in a child JVM inside the balancer's namespace (an AF_PACKET socket belongs to
 * the namespace of the process that opens it); the primary answers by direct routing, the secondary through MASQ.
 * Needs the Debian packages {@code iproute2}, {@code ethtool} and {@code tcpdump}; {@code dcmtk} for the DICOM step.
 *
 * <pre>
 *   client 10.213.0.10/24 ─┐
 *   balancer 10.213.0.2/24 ─┤ br0 (own namespace)
 *   primary 10.213.0.110/24 ┤   VIP 10.213.0.100/32 on lo, arp_ignore=1, arp_announce=2 (direct routing)
 *   secondary 10.213.0.120/32 ┘ host route to the balancer, default via it (replies pass it to be un-NATed)
 * </pre>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PacketEngineNamespaceTest {

    static final Duration ANSWER = Duration.ofSeconds(15);
    static final String VIP = "10.213.0.100";
    static final String BALANCER = "10.213.0.2";
    static final String PRIMARY = "10.213.0.110";
    static final String SECONDARY = "10.213.0.120";
    static final int[] PORTS = {80, 8080, 443, 1001};

    static NetnsLab lab;
    static final List<ChildProcess> agents = new ArrayList<>();
    static ChildProcess primaryServer;
    static ChildProcess balancer;
    static ChildProcess client;

    @BeforeAll
    static void buildLab() {
        Optional<String> notRoot = NetnsLab.unavailable();
        Assumptions.assumeTrue(notRoot.isEmpty(), () -> "system test skipped: " + notRoot.orElseThrow());
        PacketEngine.ensureAvailability();
        assertThat(Command.missing("ethtool", "tcpdump")).as("the namespace system test's tools").isEmpty();
        lab = NetnsLab.builder("lb4jt")
                .host("client", "10.213.0.10/24")
                .host("balancer", BALANCER + "/24")
                .host("primary", PRIMARY + "/24", h -> h.vip(VIP))
                .host("secondary", SECONDARY + "/32", h -> h.route(BALANCER + "/32").route("default", BALANCER))
                .offloads(false) // the engine cannot forward GSO/GRO super-frames yet (issue 13)
                .build();

        primaryServer = server("primary");
        server("secondary");
        if (dcmtk()) {
            agents.add(lab.host("primary").start("storescp", "-dhl", "-aet", "PRIMARY", "104"));
            agents.add(lab.host("secondary").start("storescp", "-dhl", "-aet", "SECONDARY", "104"));
        }
        // Manual failover plus a fast connect check on 8080 (250 ms interval, down after 3 failures).
        List<String> args = new ArrayList<>(List.of("eth0", VIP, PRIMARY, SECONDARY, "8080", "104"));
        for (int port : PORTS) {
            args.add(Integer.toString(port));
        }
        balancer = ready(lab.host("balancer").startJava(LabBalancer.class, args.toArray(String[]::new)));
        client = ready(lab.host("client").startJava(LabClient.class));
    }

    private static boolean dcmtk() {
        return Command.missing("storescp", "echoscu").isEmpty();
    }

    /** A real server on every port: HTTP on 80 and 8080, a greeting and an echo on the others. */
    private static ChildProcess server(String name) {
        List<String> args = new ArrayList<>(List.of(name));
        for (int port : PORTS) {
            args.add(port == 80 || port == 8080 ? "http:" + port : Integer.toString(port));
        }
        return ready(lab.host(name).startJava(TestServerMain.class, args.toArray(String[]::new)));
    }

    private static ChildProcess ready(ChildProcess agent) {
        agents.add(agent);
        agent.next("READY"::equals, ANSWER);
        return agent;
    }

    @AfterAll
    static void tearDown() {
        if (lab == null) {
            return;
        }
        try {
            lab.close();
        } finally {
            Path logs = Path.of("target", "lb4j-lab");
            for (ChildProcess a : agents) { // kept for when it fails in CI
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

    /**
     * Connects through the VIP from the client namespace, HTTP on 80 and 8080 (a POST echoed back), a plain TCP echo
     * elsewhere, 200 kB each way; returns the name of the server that answered.
     */
    private static String reach(int port) {
        String command = port == 80 || port == 8080 ? "http " : "connect ";
        String answer = client.ask(command + VIP + " " + port + " 200000", ANSWER);
        assertThat(answer).as("connection to VIP:%d (balancer transcript: %s)", port, balancer.transcript())
                .startsWith("OK ");
        assertThat(answer).endsWith(" " + port);
        return answer.split(" ")[1];
    }

    private static void assertAllPortsReach(String server) {
        for (int port : PORTS) {
            assertThat(reach(port)).as("VIP:%d", port).isEqualTo(server);
        }
    }

    @Test
    @Order(1)
    void directRoutingReachesThePrimaryOnEveryPortAndItsRepliesBypassTheBalancer() {
        ChildProcess tcpdump = lab.host("balancer").tcpdump("tcp and host " + VIP);
        try {
            assertAllPortsReach("primary");                           // every port, 200 kB echoed each way
        } finally {
            tcpdump.close();
        }
        // tcpdump -nn lines read "TIME IP SRC.PORT > DST.PORT: ..."; sort them by direction.
        List<String> lines = tcpdump.transcript().stream().filter(l -> l.contains(" IP ") && l.contains(" > "))
                .toList();
        long toVip = lines.stream().filter(l -> destination(l).startsWith(VIP + ".")).count();
        long fromVip = lines.stream().filter(l -> source(l).startsWith(VIP + ".")).count();
        assertThat(toVip).as("client packets seen on the balancer").isGreaterThan(PORTS.length * 3L);
        assertThat(fromVip).as("server replies seen on the balancer (direct routing: none)").isZero();
        assertThat(balancer.ask("stats", ANSWER)).contains("forwardedNat=0", "repliesUnNatted=0");
    }

    private static String source(String tcpdumpLine) {
        return tcpdumpLine.substring(tcpdumpLine.indexOf(" IP ") + 4, tcpdumpLine.indexOf(" > "));
    }

    private static String destination(String tcpdumpLine) {
        int from = tcpdumpLine.indexOf(" > ") + 3;
        return tcpdumpLine.substring(from, tcpdumpLine.indexOf(':', from));
    }

    /** Asks the balancer for its status until it contains {@code expected}, within {@link #ANSWER}. */
    private static void awaitStatus(String expected) {
        long deadline = System.nanoTime() + ANSWER.toNanos();
        String status;
        while (!(status = balancer.ask("status", ANSWER)).contains(expected)) {
            assertThat(System.nanoTime() - deadline).as("status %s within %s (last: %s; balancer: %s)", expected,
                    ANSWER, status, balancer.transcript()).isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    @Test
    @Order(2)
    void dicomEchoWorksThroughTheVip() {
        Assumptions.assumeTrue(dcmtk(), "DCMTK not installed (apt-get install dcmtk): DICOM step skipped");
        assertThat(echoscu()).as("C-ECHO to the primary through the VIP").startsWith("exit 0");
    }

    /** Runs DCMTK's C-ECHO from the client through the VIP; returns "exit N: output". */
    private static String echoscu() {
        Command.Result r = lab.host("client").attempt("echoscu", "-v", "-to", "5", "-aec", "ANY-SCP", VIP, "104");
        return "exit " + r.exitCode() + ": " + r.output().strip();
    }

    @Test
    @Order(3)
    void haltSendsNewConnectionsToTheSecondaryThroughMasqAndOnlineBringsThemBack() {
        assertThat(client.ask("hold " + VIP + " 443", ANSWER)).isEqualTo("OK primary 443");
        awaitStatus("primary=UP connections=1");                      // the held flow; the closed ones do not count

        assertThat(balancer.ask("halt", ANSWER)).isEqualTo("OK halted");
        assertThat(balancer.ask("status", ANSWER)).as("Halt expired the held flow")
                .isEqualTo("OK onFallback=true primary=HALTED connections=0");
        assertAllPortsReach("secondary");                             // MASQ, same port (fallback port 0)
        assertThat(client.ask("send-held 1000", ANSWER)).as("the halted primary's flow was expired")
                .startsWith("FAIL");
        if (dcmtk()) {
            assertThat(echoscu()).as("C-ECHO to the secondary through the VIP").startsWith("exit 0");
        }
        String stats = balancer.ask("stats", ANSWER);
        assertThat(stats).doesNotContain("forwardedNat=0,").doesNotContain("repliesUnNatted=0,");

        assertThat(balancer.ask("online", ANSWER)).isEqualTo("OK online");
        assertAllPortsReach("primary");
    }

    @Test
    @Order(4)
    void stoppingThePrimarysServicesFailsOverAutomaticallyAndBack() {
        primaryServer.close();                                         // the primary's services stop
        awaitStatus("onFallback=true primary=DOWN");                   // 3 failed checks 250 ms apart
        assertAllPortsReach("secondary");

        primaryServer = server("primary");
        awaitStatus("onFallback=false primary=UP");                    // one good check, automatic fail-back
        assertAllPortsReach("primary");
    }
}
