package io.lb4j.appliance.config;

import io.lb4j.api.Scheduler;
import io.lb4j.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code cluster:} section: how it maps to {@link ClusterConfig}, Maglev as the default scheduler of a cluster's
 * services, and one test per validation rule with its exact message at {@code file:line:column}.
 */
class ConfigLoaderClusterTest {

    /** Lines 1-11; `cluster:` is line 12, its keys lines 13-19. */
    private static final String SERVICES = """
            services:
              - label: PACS
                address: 10.0.0.100
                ports: [10104]
                healthCheck: none
                realServers: [ { label: P, address: 10.0.0.110 } ]
              - label: WEB
                address: 10.0.0.100
                ports: [80]
                scheduler: rr
                realServers: [ { label: W, address: 10.0.0.111 } ]
            """;

    private static String cluster(String localAs, String neighbours, String extra) {
        return SERVICES + """
                cluster:
                  daemon: bird
                  socket: /run/bird/bird.ctl
                  configFile: /etc/bird/lb4j.conf
                  localAs: %s
                  neighbours: %s
                %s""".formatted(localAs, neighbours, extra);
    }

    private static ApplianceConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "node.yaml");
    }

    @Test
    void readsTheSectionWithBfdOnByDefault() throws Exception {
        ApplianceConfig c = parse(cluster("65001", "[ { address: 10.218.0.1, as: 65000 } ]", ""));

        assertThat(c.cluster()).contains(new ClusterConfig("bird", Path.of("/run/bird/bird.ctl"),
                Path.of("/etc/bird/lb4j.conf"), 65001, List.of(new ClusterConfig.Neighbour(
                InetAddress.getByName("10.218.0.1"), 65000)), true));
        assertThat(parse(cluster("4294967295", "[ { address: 10.218.0.1, as: 1 } ]", "  bfd: false\n")).cluster()
                .orElseThrow().bfd()).isFalse();
    }

    @Test
    void aServiceThatNamesNoSchedulerUsesMaglevInAClusterAndKeepsItsOwnOtherwise() {
        ApplianceConfig c = parse(cluster("65001", "[ { address: 10.218.0.1, as: 65000 } ]", ""));
        assertThat(c.services().get(0).scheduler()).isEqualTo(Scheduler.maglev());
        assertThat(c.services().get(1).scheduler()).isEqualTo(Scheduler.roundRobin());

        ApplianceConfig single = parse(SERVICES);
        assertThat(single.cluster()).isEmpty();
        assertThat(single.services().get(0).scheduler()).isEqualTo(Scheduler.weightedLeastConnections());
    }

    @Test
    void rejectsAnUnknownKeyListingTheKnownOnes() {
        assertThatThrownBy(() -> parse(cluster("65001", "[ { address: 10.218.0.1, as: 65000 } ]", "  asn: 1\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node.yaml:18:3")
                .hasMessageContaining("expected one of: bfd, configFile, daemon, flowSyncPort, lifeline, listen,"
                        + " localAs, neighbours, peers, primary, replicationPort, secretFile, socket, stateDirectory");
    }

    @Test
    void theRoutesGoThroughTheDefaultLifelineUnlessTheFileNamesAnotherOrNone() {
        String neighbours = "[ { address: 10.218.0.1, as: 65000 } ]";
        assertThat(parse(cluster("65001", neighbours, "")).cluster().orElseThrow().lifeline()).contains("lb4j0");
        assertThat(parse(cluster("65001", neighbours, "  lifeline: lb4j-alive\n")).cluster().orElseThrow()
                .lifeline()).contains("lb4j-alive");
        assertThat(parse(cluster("65001", neighbours, "  lifeline: none\n")).cluster().orElseThrow().lifeline())
                .isEmpty();
        assertThatThrownBy(() -> parse(cluster("65001", neighbours, "  lifeline: eth0 up\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.lifeline: \"eth0 up\" (expected:"
                        + " an interface name of 1-15 letters, digits, '-', '_' or '.', or none)");
    }

    @Test
    void rejectsADaemonOtherThanBird() {
        assertThatThrownBy(() -> parse(cluster("65001", "[ { address: 10.218.0.1, as: 65000 } ]", "")
                .replace("daemon: bird", "daemon: quagga")))
                .isInstanceOf(ConfigException.class).hasMessage("node.yaml:13:11: cluster.daemon: \"quagga\" (expected: bird)");
    }

    @Test
    void rejectsARelativeSocket() {
        assertThatThrownBy(() -> parse(cluster("65001", "[ { address: 10.218.0.1, as: 65000 } ]", "")
                .replace("socket: /run/bird/bird.ctl", "socket: bird.ctl")))
                .isInstanceOf(ConfigException.class).hasMessage("node.yaml:14:11: cluster.socket: \"bird.ctl\""
                        + " (expected: an absolute path, such as /run/bird/bird.ctl)");
    }

    @Test
    void rejectsAnAsOutOfRange() {
        assertThatThrownBy(() -> parse(cluster("0", "[ { address: 10.218.0.1, as: 65000 } ]", "")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("node.yaml:16:12: cluster.localAs: 0 (expected: an AS number 1-4294967295)");
        assertThatThrownBy(() -> parse(cluster("65001", "[ { address: 10.218.0.1, as: 4294967296 } ]", "")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cluster.neighbours.as: 4294967296 (expected: an AS number 1-4294967295)");
    }

    @Test
    void rejectsNoNeighbourAnIpv6OneAndOneGivenTwice() {
        assertThatThrownBy(() -> parse(cluster("65001", "[]", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.neighbours: [] (expected: at"
                        + " least one router");
        assertThatThrownBy(() -> parse(cluster("65001", "[ { address: \"fd00::1\", as: 65000 } ]", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.neighbours.address: \"fd00::1\""
                        + " (expected: an IPv4 address");
        assertThatThrownBy(() -> parse(cluster("65001", "[ { address: 10.218.0.1, as: 65000 },"
                + " { address: 10.218.0.1, as: 65002 } ]", "")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.neighbours.address: \"10.218.0.1\""
                        + " (expected: each router once)");
    }

    @Test
    void rejectsClusterTogetherWithHa(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("ha.secret"), "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        String ha = "ha: { interface: eth0, vrid: 51, priority: 150, virtualAddresses: [10.0.0.100], role: primary,"
                + " peer: 10.0.0.3, listen: 10.0.0.2, secretFile: " + secret + " }\n";
        assertThatThrownBy(() -> parse(cluster("65001", "[ { address: 10.218.0.1, as: 65000 } ]", "") + ha))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster: with ha: (expected: one of them");
    }

    private static Path secret(Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("cluster.secret"), "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        return secret;
    }

    /** Lines 18-21 of the cluster section: this node .11, the others .12 and .13, .11 the primary. */
    private static String shared(Path secret) {
        return "  listen: 10.218.0.11\n  peers: [10.218.0.12, 10.218.0.13]\n  primary: 10.218.0.11\n"
                + "  secretFile: " + secret + "\n";
    }

    @Test
    void readsThePeersWithThePairsPortsAndStateDirectoryByDefault(@TempDir Path dir) throws Exception {
        Path secret = secret(dir);
        ClusterConfig.Replication proxy = parse(cluster("65001", "[ { address: 10.218.0.1, as: 65000 } ]",
                shared(secret))).cluster().orElseThrow().replication().orElseThrow();

        assertThat(proxy).isEqualTo(new ClusterConfig.Replication(InetAddress.getByName("10.218.0.11"),
                List.of(InetAddress.getByName("10.218.0.12"), InetAddress.getByName("10.218.0.13")),
                InetAddress.getByName("10.218.0.11"), 7790, java.util.OptionalInt.empty(), secret,
                Path.of("/var/lib/lb4j")));
        assertThat(proxy.isPrimary()).isTrue();
        assertThat(proxy.replicationPeers()).extracting(Object::toString)
                .containsExactly("/10.218.0.12:7790", "/10.218.0.13:7790");

        ClusterConfig.Replication packet = parse("engine: packet\ninterface: eth0\n" + cluster("65001",
                "[ { address: 10.218.0.1, as: 65000 } ]", shared(secret).replace("primary: 10.218.0.11",
                "primary: 10.218.0.13") + "  flowSyncPort: 7800\n")).cluster().orElseThrow().replication()
                .orElseThrow();
        assertThat(packet.isPrimary()).isFalse();
        assertThat(packet.flowSyncPeers()).extracting(Object::toString)
                .containsExactly("/10.218.0.12:7800", "/10.218.0.13:7800");
        assertThat(parse(cluster("65001", "[ { address: 10.218.0.1, as: 65000 } ]", "")).cluster().orElseThrow()
                .replication()).as("without peers: nothing shared").isEmpty();
    }

    @Test
    void rejectsSharingKeysWithoutPeersAPeerThatIsThisNodeAndAPrimaryThatIsNoNode(@TempDir Path dir)
            throws Exception {
        Path secret = secret(dir);
        String neighbours = "[ { address: 10.218.0.1, as: 65000 } ]";
        assertThatThrownBy(() -> parse(cluster("65001", neighbours, "  listen: 10.218.0.11\n")))
                .isInstanceOf(ConfigException.class).hasMessage("node.yaml:18:3: cluster.listen: without"
                        + " cluster.peers (expected: `peers:` with the other nodes' management addresses, or none of"
                        + " listen, primary, replicationPort, flowSyncPort, secretFile, stateDirectory)");
        assertThatThrownBy(() -> parse(cluster("65001", neighbours, shared(secret)
                .replace("[10.218.0.12, 10.218.0.13]", "[10.218.0.12, 10.218.0.11]"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.peers: 10.218.0.11 (expected:"
                        + " the other nodes' addresses; 10.218.0.11 is this node's, `listen:`)");
        assertThatThrownBy(() -> parse(cluster("65001", neighbours, shared(secret)
                .replace("[10.218.0.12, 10.218.0.13]", "[10.218.0.12, 10.218.0.12]"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.peers: 10.218.0.12 (expected:"
                        + " each node once)");
        assertThatThrownBy(() -> parse(cluster("65001", neighbours, shared(secret)
                .replace("primary: 10.218.0.11", "primary: 10.218.0.99"))))
                .isInstanceOf(ConfigException.class).hasMessage("node.yaml:20:12: cluster.primary: 10.218.0.99"
                        + " (expected: `listen:` or one of `peers:`, the node whose services every node runs)");
        assertThatThrownBy(() -> parse(cluster("65001", neighbours, shared(secret) + "  flowSyncPort: 7791\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("cluster.flowSyncPort: only for engine"
                        + " packet");
        assertThatThrownBy(() -> parse(cluster("65001", neighbours, shared(secret)
                .replace("  secretFile: " + secret + "\n", ""))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("secretFile");
    }
}
