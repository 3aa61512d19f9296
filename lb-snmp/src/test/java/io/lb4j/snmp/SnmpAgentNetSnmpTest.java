package io.lb4j.snmp;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.engine.proxy.ProxyEngine;
import io.lb4j.testsupport.net.FreePorts;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.lb4j.testsupport.snmp.NetSnmp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The subagent against real net-snmp: snmpd as AgentX master (SNMPv2c and SNMPv3 authPriv), snmptrapd receiving its
 * notifications, and a proxy-engine balancer on loopback with real listeners behind it, so every value read over
 * SNMP is one the balancer really has.
 */
class SnmpAgentNetSnmpTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** What the primary writes first on every connection: 8 bytes back to the client. */
    private static final byte[] GREETING = "primary\n".getBytes(StandardCharsets.US_ASCII);
    /** What the client sends through the balancer; the primary echoes it. */
    private static final int PAYLOAD = 10_000;

    @TempDir
    Path tmp;

    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private NetSnmp netSnmp;
    private TestServer primary;
    private LoadBalancer lb;
    private SocketChannel client;
    private int[] ports;

    @BeforeEach
    void startNetSnmpAndABalancer() throws IOException {
        assertThat(NetSnmp.missingPrograms()).as("net-snmp: apt-get install -y snmpd snmp snmptrapd").isEmpty();
        netSnmp = new NetSnmp(tmp, Path.of("src/main/mib"));
        closeables.push(netSnmp);
        netSnmp.start();

        ports = FreePorts.tcp(2);
        primary = TestServer.start(InetAddress.ofLiteral("127.0.0.2"), List.of(ports[0], ports[1]),
                Handler.greet("primary").then(Handler.echo()));
        closeables.push(primary);
        TestServer fallback = TestServer.start(InetAddress.ofLiteral("127.0.0.3"), List.of(ports[0], ports[1]),
                Handler.greetWithLocalAddress().then(Handler.hold()));
        closeables.push(fallback);
        lb = LoadBalancer.builder().engine(ProxyEngine.builder().ioThreads(1).build())
                .service(VirtualService.proxy().label("PACS").address("127.0.0.1").ports(ports[0], ports[1])
                        .real("PrimaryCluster", "127.0.0.2", r -> r.weight(100))
                        .fallback("127.0.0.3")
                        .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofMillis(200)).failAfter(2)
                                .riseAfter(1))
                        .build())
                .build();
        lb.start();
        closeables.push(() -> lb.stop(Duration.ofSeconds(1)));
        // One open connection through the balancer, so the connection columns have something to count, and
        // PAYLOAD bytes echoed through it after the primary's greeting, so the byte columns do.
        client = SocketChannel.open(new InetSocketAddress("127.0.0.1", ports[0]));
        closeables.push(client);
        awaitTrue("the client's connection reaches the primary", () -> primary.openConnections() == 1);
        assertThat(read(GREETING.length)).isEqualTo(GREETING);
        byte[] payload = new byte[PAYLOAD];
        new SplittableRandom(7).nextBytes(payload);
        TestServer.writeFully(client, ByteBuffer.wrap(payload));
        assertThat(read(PAYLOAD)).as("the echo").isEqualTo(payload);
    }

    /** Reads exactly {@code n} bytes from the client's connection. */
    private byte[] read(int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (client.read(buf) < 0) {
                throw new EOFException("the balancer closed the client's connection after " + buf.position()
                        + " of " + n + " bytes");
            }
        }
        return buf.array();
    }

    @AfterEach
    void closeEverything() throws Exception {
        while (!closeables.isEmpty()) {
            closeables.pop().close();
        }
    }

    @Test
    void snmpwalkOverV2cAndV3AuthPrivShowsTheServiceAndRealServerRows() throws IOException {
        SnmpAgent agent = startAgent();

        String v2c = netSnmp.walkV2c("LB4J-MIB::lb4jMIB");
        String v3 = netSnmp.walkV3("LB4J-MIB::lb4jMIB");

        List<String> expected = List.of(
                "LB4J-MIB::lb4jServiceName.1 = STRING: PACS",
                "LB4J-MIB::lb4jServiceAddress.1 = STRING: 127.0.0.1",
                "LB4J-MIB::lb4jServicePorts.1 = STRING: " + ports[0] + "," + ports[1],
                "LB4J-MIB::lb4jServiceProtocol.1 = INTEGER: tcp(1)",
                "LB4J-MIB::lb4jServiceMethod.1 = INTEGER: proxy(4)",
                "LB4J-MIB::lb4jServiceState.1 = INTEGER: serving(1)",
                "LB4J-MIB::lb4jServiceFallbackActive.1 = INTEGER: false(2)",
                "LB4J-MIB::lb4jServiceActiveConnections.1 = Gauge32: 1",
                "LB4J-MIB::lb4jServiceFallbackAddress.1 = STRING: 127.0.0.3",
                "LB4J-MIB::lb4jServiceFallbackConnections.1 = Gauge32: 0",
                "LB4J-MIB::lb4jRealServerName.1.1 = STRING: PrimaryCluster",
                "LB4J-MIB::lb4jRealServerServiceName.1.1 = STRING: PACS",
                "LB4J-MIB::lb4jRealServerAddress.1.1 = STRING: 127.0.0.2",
                "LB4J-MIB::lb4jRealServerPort.1.1 = Gauge32: 0",
                "LB4J-MIB::lb4jRealServerState.1.1 = INTEGER: up(1)",
                "LB4J-MIB::lb4jRealServerWeight.1.1 = Gauge32: 100",
                "LB4J-MIB::lb4jRealServerEffectiveWeight.1.1 = Gauge32: 100",
                "LB4J-MIB::lb4jRealServerActiveConnections.1.1 = Gauge32: 1",
                "LB4J-MIB::lb4jRealServerTotalConnections.1.1 = Counter64: 1",
                "LB4J-MIB::lb4jRealServerLastCheck.1.1 = STRING: ok",
                "LB4J-MIB::lb4jRealServerBytesToServer.1.1 = Counter64: 10000",    // PAYLOAD
                "LB4J-MIB::lb4jRealServerBytesToClient.1.1 = Counter64: 10008",    // GREETING + the echo
                "LB4J-MIB::lb4jNodeVrrpState.0 = INTEGER: standalone(1)",
                "LB4J-MIB::lb4jNodeRunning.0 = INTEGER: true(1)");
        assertThat(v2c.lines()).containsAll(expected);
        assertThat(v3.lines()).containsAll(expected);
        assertThat(v3).isEqualTo(v2c);
        assertThat(netSnmp.bulkWalkV2c("LB4J-MIB::lb4jMIB")).as("the same walk by GetBulk, 7 at a time").isEqualTo(v2c);
        assertThat(agent.stats().requests()).isPositive();
        // The README's "SNMP" section shows this walk.
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/snmpwalk-readme.txt"), NetSnmp.v3WalkCommandLine("localhost",
                "LB4J-MIB::lb4jMIB") + "\n" + v3);
    }

    @Test
    void snmpgetReadsOneObjectAndAnUnknownInstanceIsNoSuchInstance() {
        startAgent();

        assertThat(netSnmp.getV2c("LB4J-MIB::lb4jRealServerState.1.1").output().strip())
                .isEqualTo("LB4J-MIB::lb4jRealServerState.1.1 = INTEGER: up(1)");
        assertThat(netSnmp.getV2c("LB4J-MIB::lb4jRealServerState.1.9").output().strip())
                .isEqualTo("LB4J-MIB::lb4jRealServerState.1.9 = No Such Instance currently exists at this OID");
    }

    @Test
    void aRealServerGoingDownSendsRealServerDownAndFailoverNotifications() throws IOException {
        SnmpAgent agent = startAgent();

        primary.stopAll(); // the health check's connects now fail: down after 2 checks, 200 ms apart

        String down = netSnmp.awaitTrap("= OID: .1.3.6.1.4.1.32473.4.0.3", DEADLINE);
        assertThat(down).contains(".1.3.6.1.4.1.32473.4.1.4.1.0 = STRING: PACS")
                .contains(".1.3.6.1.4.1.32473.4.1.4.2.0 = STRING: PrimaryCluster")
                .contains(".1.3.6.1.4.1.32473.4.1.4.3.0 = STRING: ");
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/snmptrap-readme.txt"), down + "\n"); // the README's "SNMP" section shows it
        String failover = netSnmp.awaitTrap("= OID: .1.3.6.1.4.1.32473.4.0.1", DEADLINE);
        assertThat(failover).contains(".1.3.6.1.4.1.32473.4.1.4.1.0 = STRING: PACS")
                .contains(".1.3.6.1.4.1.32473.4.1.4.3.0 = STRING: to 127.0.0.3");
        assertThat(netSnmp.getV2c("LB4J-MIB::lb4jServiceState.1").output().strip())
                .isEqualTo("LB4J-MIB::lb4jServiceState.1 = INTEGER: onFallback(2)");
        assertThat(netSnmp.getV2c("LB4J-MIB::lb4jRealServerState.1.1").output().strip())
                .isEqualTo("LB4J-MIB::lb4jRealServerState.1.1 = INTEGER: down(2)");

        primary.listen(ports[0]);
        primary.listen(ports[1]);

        String up = netSnmp.awaitTrap("= OID: .1.3.6.1.4.1.32473.4.0.4", DEADLINE);
        assertThat(up).contains(".1.3.6.1.4.1.32473.4.1.4.2.0 = STRING: PrimaryCluster");
        String failback = netSnmp.awaitTrap("= OID: .1.3.6.1.4.1.32473.4.0.2", DEADLINE);
        assertThat(failback).contains(".1.3.6.1.4.1.32473.4.1.4.2.0 = STRING: PrimaryCluster");
        assertThat(agent.stats().notificationsSent()).isEqualTo(4);
    }

    @Test
    void aVrrpTransitionIsServedAndSentAsANotification() {
        SnmpAgent agent = startAgent();

        agent.vrrpState(VrrpRole.BACKUP);
        agent.vrrpState(VrrpRole.MASTER);

        String toMaster = netSnmp.awaitTrap(".1.3.6.1.4.1.32473.4.1.3.1.0 = INTEGER: master(4)", DEADLINE);
        assertThat(toMaster).contains("= OID: .1.3.6.1.4.1.32473.4.0.5")
                .contains(".1.3.6.1.4.1.32473.4.1.4.4.0 = INTEGER: backup(3)");
        assertThat(netSnmp.getV2c("LB4J-MIB::lb4jNodeVrrpState.0").output().strip())
                .isEqualTo("LB4J-MIB::lb4jNodeVrrpState.0 = INTEGER: master(4)");
    }

    @Test
    void theSubagentReconnectsWhenSnmpdRestarts() {
        SnmpAgent agent = startAgent();
        assertThat(agent.stats().sessions()).isEqualTo(1);

        netSnmp.stopSnmpd();
        awaitTrue("the agent notices snmpd is gone", () -> !agent.stats().connected());
        netSnmp.startSnmpd();

        awaitTrue("the agent opens a second session", () -> agent.stats().sessions() == 2
                && agent.stats().connected());
        assertThat(netSnmp.getV2c("LB4J-MIB::lb4jServiceName.1").output().strip())
                .isEqualTo("LB4J-MIB::lb4jServiceName.1 = STRING: PACS");
    }

    @Test
    void closeEndsTheAgentThreadAndSnmpdDropsTheRegistration() {
        SnmpAgent agent = startAgent();

        agent.close();

        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("lb4j-snmp-agentx"));
        assertThat(agent.stats().connected()).isFalse();
        assertThat(netSnmp.getV2c("LB4J-MIB::lb4jServiceName.1").output().strip())
                .isEqualTo("LB4J-MIB::lb4jServiceName.1 = No Such Object available on this agent at this OID");
    }

    @Test
    void theJavadocExampleServesTheBalancer() {
        LoadBalancer balancer = lb;
        String socket = netSnmp.agentxSocket().toString();
        // SnmpAgent's Javadoc example, with the test's socket:
        try (SnmpAgent agent = SnmpAgent.builder().agentx(socket).build().start(balancer)) {
            agent.vrrpState(VrrpRole.MASTER);
            awaitTrue("the example's agent registers", () -> agent.stats().connected());
            assertThat(netSnmp.getV2c("LB4J-MIB::lb4jNodeVrrpState.0").output().strip())
                    .isEqualTo("LB4J-MIB::lb4jNodeVrrpState.0 = INTEGER: master(4)");
        }
    }

    private SnmpAgent startAgent() {
        SnmpAgent agent = SnmpAgent.builder().agentx(netSnmp.agentxSocket().toString())
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).build().start(lb);
        closeables.push(agent);
        awaitTrue("the agent registers with snmpd", () -> agent.stats().connected());
        return agent;
    }

    private void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + DEADLINE + "; snmpd wrote:\n"
                        + netSnmp.snmpdOutput());
            }
            try {
                Thread.sleep(20); // polling interval of a deadline loop, not a wait for state
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
