package io.lb4j.engine.packet;

import io.lb4j.engine.packet.lab.Agent;
import io.lb4j.engine.packet.lab.NamespaceLab;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.lb4j.engine.packet.lab.NamespaceLab.VIP;
import static io.lb4j.engine.packet.lab.NamespaceLab.in;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * System test: the packet engine as the appliance guide deploys it, in network namespaces (root only). A client
 * talks to the VIP; the engine runs in a child JVM inside the balancer's namespace (an AF_PACKET socket belongs to
 * the namespace of the process that opens it); the primary answers by direct routing, the secondary through MASQ.
 * Needs the Debian packages {@code iproute2}, {@code ethtool} and {@code tcpdump}; {@code dcmtk} for the DICOM step.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PacketEngineNamespaceTest {

    static final Duration ANSWER = Duration.ofSeconds(15);
    static final int[] PORTS = {80, 8080, 443, 1001};

    static NamespaceLab lab;
    static final List<Agent> agents = new ArrayList<>();
    static Agent primaryServer;
    static Agent balancer;
    static Agent client;
    static String javaBinary;
    static String classPath;

    @BeforeAll
    static void buildLab() throws IOException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) || isUidZero(),
                "system test skipped: network namespaces need root (uid 0)");
        PacketEngine.ensureAvailability();
        for (String tool : List.of("ip", "ethtool", "tcpdump")) {
            assertThat(onPath(tool)).as("the namespace system test needs %s (Debian: iproute2 ethtool tcpdump)", tool)
                    .isTrue();
        }
        javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        lab = new NamespaceLab().build();

        primaryServer = start("primary", lab.primary, labMain("LabServer", serverArgs("primary")));
        start("secondary", lab.secondary, labMain("LabServer", serverArgs("secondary")));
        if (dcmtk()) {
            start("storescp-primary", lab.primary, List.of("storescp", "-dhl", "-aet", "PRIMARY", "104"));
            start("storescp-secondary", lab.secondary, List.of("storescp", "-dhl", "-aet", "SECONDARY", "104"));
        }
        // Manual failover plus a fast connect check on 8080 (250 ms interval, down after 3 failures).
        List<String> args = new ArrayList<>(List.of("eth0", VIP, NamespaceLab.PRIMARY, NamespaceLab.SECONDARY,
                "8080", "104"));
        args.addAll(List.of(ports()));
        balancer = start("balancer", lab.balancer, labMain("LabBalancer", args.toArray(String[]::new)));
        client = start("client", lab.client, labMain("LabClient"));
    }

    private static boolean isUidZero() {
        try {
            return NamespaceLab.run("id", "-u").strip().equals("0");
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private static boolean dcmtk() {
        return onPath("storescp") && onPath("echoscu");
    }

    private static String[] serverArgs(String name) {
        List<String> args = new ArrayList<>(List.of(name));
        args.addAll(List.of(ports()));
        return args.toArray(String[]::new);
    }

    private static String[] ports() {
        String[] s = new String[PORTS.length];
        for (int i = 0; i < PORTS.length; i++) {
            s[i] = Integer.toString(PORTS[i]);
        }
        return s;
    }

    private static List<String> labMain(String main, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary, "--enable-native-access=ALL-UNNAMED",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", classPath, "io.lb4j.engine.packet.lab." + main));
        command.addAll(List.of(args));
        return command;
    }

    private static Agent start(String name, String namespace, List<String> command) throws IOException {
        Agent agent = Agent.start(name, in(namespace, command));
        agents.add(agent);
        if (command.getFirst().equals(javaBinary)) {
            agent.await("READY"::equals, ANSWER);
        }
        return agent;
    }

    @AfterAll
    static void tearDown() {
        for (int i = agents.size() - 1; i >= 0; i--) {
            agents.get(i).close();
        }
        Path logs = Path.of("target", "lb4j-lab");
        for (Agent a : agents) { // kept for when it fails in CI
            try {
                Files.createDirectories(logs);
                Files.write(logs.resolve(a + ".log"), a.transcript());
            } catch (IOException e) {
                System.err.println("lab log of " + a + ": " + e);
            }
        }
        agents.clear();
        if (lab != null) {
            lab.close();
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
    void directRoutingReachesThePrimaryOnEveryPortAndItsRepliesBypassTheBalancer() throws Exception {
        Agent tcpdump = Agent.start("tcpdump", in(lab.balancer, List.of("tcpdump", "-i", "eth0", "-nn", "-l", "-p",
                "-U", "tcp and host " + VIP)));
        long deadline = System.nanoTime() + ANSWER.toNanos();
        while (tcpdump.transcript().stream().noneMatch(l -> l.contains("listening on"))) { // said on stderr
            assertThat(System.nanoTime() - deadline).as("tcpdump started: %s", tcpdump.transcript()).isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
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
    void dicomEchoWorksThroughTheVip() throws Exception {
        Assumptions.assumeTrue(dcmtk(), "DCMTK not installed (apt-get install dcmtk): DICOM step skipped");
        assertThat(echoscu()).as("C-ECHO to the primary through the VIP").startsWith("exit 0");
    }

    /** Runs DCMTK's C-ECHO from the client through the VIP; returns "exit N: output". */
    private static String echoscu() throws Exception {
        Process p = new ProcessBuilder(in(lab.client, List.of("echoscu", "-v", "-to", "5", "-aec", "ANY-SCP", VIP,
                "104"))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return "exit " + p.waitFor() + ": " + out.strip();
    }

    @Test
    @Order(3)
    void haltSendsNewConnectionsToTheSecondaryThroughMasqAndOnlineBringsThemBack() throws Exception {
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
    void stoppingThePrimarysServicesFailsOverAutomaticallyAndBack() throws Exception {
        primaryServer.close();                                         // the primary's services stop
        awaitStatus("onFallback=true primary=DOWN");                   // 3 failed checks 250 ms apart
        assertAllPortsReach("secondary");

        primaryServer = start("primary-again", lab.primary, labMain("LabServer", serverArgs("primary")));
        awaitStatus("onFallback=false primary=UP");                    // one good check, automatic fail-back
        assertAllPortsReach("primary");
    }
}
