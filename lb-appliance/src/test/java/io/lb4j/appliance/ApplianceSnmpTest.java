package io.lb4j.appliance;

import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.lb4j.testsupport.netns.HostSetup;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.snmp.NetSnmp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The appliance's {@code snmp:} section against real net-snmp (snmpd as AgentX master, snmptrapd): the appliance
 * process serves its services through snmpd and leaves snmpd's tree on SIGTERM; a pair node reports its VRRP state
 * and sends the transition to master as a notification.
 */
class ApplianceSnmpTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private NetSnmp netSnmp;

    @BeforeEach
    void startNetSnmp() throws IOException {
        assertThat(NetSnmp.missingPrograms()).as("net-snmp: apt-get install -y snmpd snmp snmptrapd").isEmpty();
        netSnmp = new NetSnmp(dir, Path.of("..", "lb-snmp", "src", "main", "mib"));
        netSnmp.start();
    }

    @AfterEach
    void stopNetSnmp() {
        netSnmp.close();
    }

    @Test
    void theSnmpSectionServesTheServicesThroughSnmpdUntilSigterm() throws Exception {
        int vip;
        try (ServerSocket s = new ServerSocket(0)) {
            vip = s.getLocalPort();
        }
        try (TestServer backend = TestServer.loopback(Handler.echo())) {
            Path file = Files.writeString(dir.resolve("lb.yaml"), ApplianceFiles.oneService(vip, backend.port())
                    + """
                    snmp:
                      agentx: %s
                    """.formatted(netSnmp.agentxSocket()));
            try (ApplianceProcess p = ApplianceProcess.run(file)) {
                p.awaitStdoutContains("lb4j: SNMP: AgentX subagent of snmpd at " + netSnmp.agentxSocket()
                        + ", serving LB4J-MIB (1.3.6.1.4.1.32473.4)", LIMIT);
                awaitTrue(() -> netSnmp.getV2c("LB4J-MIB::lb4jRealServerName.1.1").output().strip()
                        .equals("LB4J-MIB::lb4jRealServerName.1.1 = STRING: main"), "the real server over SNMP", p);
                assertThat(netSnmp.getV2c("LB4J-MIB::lb4jNodeVrrpState.0").output().strip())
                        .isEqualTo("LB4J-MIB::lb4jNodeVrrpState.0 = INTEGER: standalone(1)");

                p.signal("TERM");

                assertThat(p.awaitExit(LIMIT)).isEqualTo(143);
                assertThat(netSnmp.getV2c("LB4J-MIB::lb4jServiceName.1").output().strip()).as("registration gone")
                        .isEqualTo("LB4J-MIB::lb4jServiceName.1 = No Such Object available on this agent at this OID");
            }
        }
    }

    @Test
    void aPairNodeReportsItsVrrpStateAndTheTransitionToMasterIsANotification() throws Exception {
        Optional<String> why = NetnsLab.unavailable();
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
        try (NetnsLab lab = NetnsLab.builder("lb4jsnmp")
                .host("a", "10.79.0.1/24", (HostSetup h) -> h.sysctl("net.ipv4.ip_nonlocal_bind", "1")).build()) {
            Path secret = Files.writeString(lab.directory().resolve("ha.secret"), "lab-secret-0123456789abcdef\n");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            // One node alone (its peer never answers): backup first, master after Master_Down_Interval.
            Path file = Files.writeString(lab.directory().resolve("a.yaml"), """
                    engine: { type: proxy, ioThreads: 1 }
                    services:
                      - label: PACS
                        address: 10.79.0.100
                        ports: [10104]
                        healthCheck: none
                        realServers: [ { label: PrimaryCluster, address: 10.79.0.50 } ]
                    ha:
                      interface: eth0
                      vrid: 52
                      priority: 150
                      advertInterval: 500ms
                      virtualAddresses: [10.79.0.100]
                      role: primary
                      peer: 10.79.0.2
                      listen: 10.79.0.1
                      replicationPort: 7791
                      secretFile: %s
                      stateDirectory: %s
                    snmp:
                      agentx: %s
                    """.formatted(secret, lab.directory().resolve("state-a"), netSnmp.agentxSocket()));
            try (ApplianceProcess node = ApplianceProcess.startInNamespace(lab.host("a").namespace(), "--config",
                    file.toString())) {
                node.awaitStdoutContains("VRRP 52: BACKUP -> MASTER", LIMIT);

                String trap = netSnmp.awaitTrap(".1.3.6.1.4.1.32473.4.1.3.1.0 = INTEGER: master(4)", LIMIT);
                assertThat(trap).contains("= OID: .1.3.6.1.4.1.32473.4.0.5")
                        .contains(".1.3.6.1.4.1.32473.4.1.4.4.0 = INTEGER: backup(3)");
                assertThat(netSnmp.getV2c("LB4J-MIB::lb4jNodeVrrpState.0").output().strip())
                        .isEqualTo("LB4J-MIB::lb4jNodeVrrpState.0 = INTEGER: master(4)");

                node.signal("TERM");
                assertThat(node.awaitExit(LIMIT)).isEqualTo(143);
            }
        }
    }

    /** Polls {@code condition} every 20 ms until it holds; fails with the appliance's output after {@link #LIMIT}. */
    private static void awaitTrue(Callable<Boolean> condition, String what, ApplianceProcess p) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\n--- stdout:\n" + p.stdout()
                        + "\n--- stderr:\n" + p.stderr());
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
