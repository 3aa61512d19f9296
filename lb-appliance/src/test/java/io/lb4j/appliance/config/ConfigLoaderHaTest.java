package io.lb4j.appliance.config;

import io.lb4j.config.ConfigException;
import io.lb4j.config.Durations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code ha:} section: how it maps to {@link HaConfig}, and one test per validation rule with its exact message
 * at {@code file:line:column}.
 */
class ConfigLoaderHaTest {

    /** Lines 1-6 are the services; `ha:` is line 7, its keys lines 8-15. */
    private static final String SERVICES = """
            services:
              - label: PACS
                address: 10.0.0.100
                ports: [10104]
                healthCheck: none
                realServers: [ { label: P, address: 10.0.0.110 } ]
            """;

    /** The required keys only; appended lines start at line 16. */
    private static final String MINIMAL = """
            ha:
              interface: eth0
              vrid: 51
              priority: 150
              virtualAddresses: [10.0.0.100]
              role: primary
              peer: 10.0.0.3
              listen: 10.0.0.2
              secretFile: SECRET
            """;

    @TempDir
    Path dir;
    private Path secret;

    @BeforeEach
    void secretFile() throws IOException {
        // 32 characters and the line end an editor adds: the secret is the 32.
        secret = Files.writeString(dir.resolve("ha.secret"), "0123456789abcdef0123456789abcdef\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------")); // a secret file is owner-only
    }

    private ApplianceConfig parse(String ha) {
        return ConfigLoader.parse(SERVICES + ha.replace("SECRET", secret.toString()), "pacs.yaml");
    }

    /**
     * The same file on the packet engine: two more lines at the top, so `ha:` keys are lines 10-17 (the service is
     * direct-routing, the packet engine's default).
     */
    private ApplianceConfig parsePacket(String ha) {
        return ConfigLoader.parse("engine: packet\ninterface: eth0\n" + SERVICES + ha.replace("SECRET",
                secret.toString()), "pacs.yaml");
    }

    private void rejects(String ha, String message) {
        assertThatThrownBy(() -> parse(ha)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    private static InetAddress ip(String literal) throws IOException {
        return InetAddress.getByName(literal);
    }

    // ------------------------------------------------------------------------------------------------ valid

    @Test
    void fullExampleMapsEveryKeyToItsSetting() throws IOException {
        HaConfig ha = parse("""
                ha:
                  interface: eth0
                  vrid: 51
                  priority: 150            # 100 on the secondary
                  advertInterval: 500ms
                  virtualAddresses: [10.0.0.100, 10.0.0.101]
                  preempt: true
                  preemptDelay: 30s
                  unicastPeers: [10.0.0.3]
                  role: primary
                  peer: 10.0.0.3
                  listen: 10.0.0.2
                  replicationPort: 7800
                  secretFile: SECRET
                """).ha().orElseThrow();

        assertThat(ha).isEqualTo(new HaConfig("eth0", 51, 150, Duration.ofMillis(500),
                List.of("10.0.0.100", "10.0.0.101"), true, Duration.ofSeconds(30), List.of("10.0.0.3"),
                HaConfig.Role.PRIMARY, ip("10.0.0.3"), ip("10.0.0.2"), 7800, OptionalInt.empty(), secret));
        assertThat(ha.replication().isPrimary()).isTrue();
        assertThat(ha.replication().replicationPeers()).hasToString("[/10.0.0.3:7800]");
        assertThat(ha.readSecret()).asString().isEqualTo("0123456789abcdef0123456789abcdef");
    }

    @Test
    void optionalKeysDefaultAsVrrpInstanceDoesAndTheSecondaryListensForReplication() throws IOException {
        HaConfig ha = parse(MINIMAL.replace("role: primary", "role: secondary")).ha().orElseThrow();

        assertThat(ha).isEqualTo(new HaConfig("eth0", 51, 150, Duration.ofSeconds(1), List.of("10.0.0.100"), true,
                Duration.ZERO, List.of(), HaConfig.Role.SECONDARY, ip("10.0.0.3"), ip("10.0.0.2"), 7790,
                OptionalInt.empty(), secret));
        assertThat(ha.replication().isPrimary()).isFalse();
        assertThat(ha.replication().primary()).isEqualTo(ip("10.0.0.3"));
        assertThat(ha.replication().replicationListen()).hasToString("/10.0.0.2:7790");
    }

    @Test
    void aFileWithoutHaRunsNoPair() {
        assertThat(ConfigLoader.parse(SERVICES, "pacs.yaml").ha()).isEmpty();
    }

    @Test
    void thePacketEngineSyncsFlowsOnPort7791UnlessTold() {
        assertThat(parsePacket(MINIMAL).ha().orElseThrow().flowSyncPort()).isEqualTo(OptionalInt.of(7791));
        HaConfig ha = parsePacket(MINIMAL + "  flowSyncPort: 7800\n").ha().orElseThrow();
        assertThat(ha.flowSyncPort()).isEqualTo(OptionalInt.of(7800));
        assertThat(ha.replication().flowSyncListen()).hasToString("/10.0.0.2:7800");
        assertThat(ha.replication().flowSyncPeers()).hasToString("[/10.0.0.3:7800]");
    }

    @Test
    void oneLineEndIsNotPartOfTheSecretAndSixteenBytesAreEnough() throws IOException {
        Files.writeString(secret, "0123456789abcdef\r\n");

        assertThat(parse(MINIMAL).ha().orElseThrow().readSecret()).asString().isEqualTo("0123456789abcdef");
    }

    @Test
    void aVirtualAddressMayBeWrittenWithoutBrackets() {
        assertThat(parse(MINIMAL.replace("[10.0.0.100]", "10.0.0.100")).ha().orElseThrow().virtualAddresses())
                .containsExactly("10.0.0.100");
    }

    @Test
    void differencesNameEverySettingThatChanged() {
        HaConfig started = parse(MINIMAL).ha().orElseThrow();
        HaConfig edited = parse(MINIMAL.replace("priority: 150", "priority: 120") + "  advertInterval: 2s\n")
                .ha().orElseThrow();

        assertThat(started.differences(started)).isEmpty();
        assertThat(started.differences(edited)).containsExactly("ha.priority: 150 -> 120",
                "ha.advertInterval: 1s -> 2s");
    }

    // ------------------------------------------------------------------------------------------------ the section

    @Test
    void haMustBeAMapping() {
        rejects("ha: [1]\n", "pacs.yaml:7:5: ha: a list (expected: a mapping of keys to values)");
    }

    @Test
    void unknownKeyIsNamedWithTheKeysThatExist() {
        rejects(MINIMAL + "  colour: blue\n", "pacs.yaml:16:3: unknown key \"colour\" in ha (expected one of:"
                + " advertInterval, flowSyncPort, interface, listen, peer, preempt, preemptDelay, priority,"
                + " replicationPort, role, secretFile, stateDirectory, unicastPeers, virtualAddresses, vrid)");
    }

    @Test
    void anInlineSecretIsRefusedAsSuch() {
        rejects(MINIMAL + "  secret: hunter2hunter2hunter2\n", "pacs.yaml:16:3: ha.secret: an inline secret"
                + " (expected: `secretFile:` naming a file that holds it; the secret itself never goes in the YAML)");
    }

    @Test
    void everyRequiredKeyIsNamedWhenMissing() {
        for (String key : List.of("interface", "vrid", "priority", "virtualAddresses", "role", "peer", "listen",
                "secretFile")) {
            String without = MINIMAL.lines().filter(l -> !l.startsWith("  " + key + ":"))
                    .reduce("", (a, l) -> a + l + "\n");
            assertThatThrownBy(() -> parse(without)).as(key).isInstanceOf(ConfigException.class)
                    .hasMessage("pacs.yaml:8:3: " + key + ": missing in ha (expected: a `" + key + ":` entry)");
        }
    }

    // ------------------------------------------------------------------------------------------------ VRRP values

    @Test
    void interfaceNameIsCheckedByTheVrrpBuilder() {
        rejects(MINIMAL.replace("interface: eth0", "interface: a-very-long-interface"), "pacs.yaml:8:14:"
                + " ha.interface: \"a-very-long-interface\" (expected: an interface name of 1-15 characters)");
        rejects(MINIMAL.replace("interface: eth0", "interface: 0"),
                "pacs.yaml:8:14: ha.interface: 0 is a number (expected: a string)");
    }

    @Test
    void vridIs1To255() {
        rejects(MINIMAL.replace("vrid: 51", "vrid: 0"), "pacs.yaml:9:9: ha.vrid: 0 (expected: 1-255)");
        rejects(MINIMAL.replace("vrid: 51", "vrid: 256"), "pacs.yaml:9:9: ha.vrid: 256 (expected: 1-255)");
        rejects(MINIMAL.replace("vrid: 51", "vrid: fifty"),
                "pacs.yaml:9:9: ha.vrid: \"fifty\" (expected: an integer 1-255)");
    }

    @Test
    void priorityIs1To255() {
        rejects(MINIMAL.replace("priority: 150", "priority: 0"), "pacs.yaml:10:13: ha.priority: 0 (expected: 1-255)");
        rejects(MINIMAL.replace("priority: 150", "priority: 256"),
                "pacs.yaml:10:13: ha.priority: 256 (expected: 1-255)");
    }

    @Test
    void advertIntervalIsADurationOfWholeCentisecondsFrom10msTo40950ms() {
        rejects(MINIMAL + "  advertInterval: 5ms\n", "pacs.yaml:16:19: ha.advertInterval: 5ms"
                + " (expected: 10 ms to 40.95 s in whole centiseconds)");
        rejects(MINIMAL + "  advertInterval: 1005ms\n", "pacs.yaml:16:19: ha.advertInterval: 1005ms"
                + " (expected: 10 ms to 40.95 s in whole centiseconds)");
        rejects(MINIMAL + "  advertInterval: 1m\n", "pacs.yaml:16:19: ha.advertInterval: 1m"
                + " (expected: 10 ms to 40.95 s in whole centiseconds)");
        rejects(MINIMAL + "  advertInterval: 1\n", "pacs.yaml:16:19: ha.advertInterval: 1 (expected: "
                + Durations.FORMS + ")");
    }

    @Test
    void virtualAddressesAreDistinctLiteralsOfOneFamily() {
        rejects(MINIMAL.replace("[10.0.0.100]", "[]"),
                "pacs.yaml:11:21: ha.virtualAddresses: [] (expected: at least one IPv4 or IPv6 address)");
        rejects(MINIMAL.replace("[10.0.0.100]", "[vip.example.org]"), "pacs.yaml:11:22: ha.virtualAddresses:"
                + " \"vip.example.org\" (expected: an IP address literal such as 192.168.100.2)");
        rejects(MINIMAL.replace("[10.0.0.100]", "[10.0.0.300]"), "pacs.yaml:11:22: ha.virtualAddresses:"
                + " \"10.0.0.300\" (expected: an IP address literal such as 192.168.100.2)");
        rejects(MINIMAL.replace("[10.0.0.100]", "[10.0.0.100, \"fd00::100\"]"), "pacs.yaml:11:34:"
                + " ha.virtualAddresses: fd00::100 (expected: an IPv4 address like 10.0.0.100; the pair's VRRP"
                + " instance carries one family)");
        rejects(MINIMAL.replace("[10.0.0.100]", "[\"fe80::100\"]"), "pacs.yaml:11:22: ha.virtualAddresses:"
                + " fe80::100 (expected: a unicast address that is neither the wildcard nor IPv6 link-local)");
        rejects(MINIMAL.replace("[10.0.0.100]", "[10.0.0.100, 10.0.0.100]"), "pacs.yaml:11:34:"
                + " ha.virtualAddresses: 10.0.0.100 (expected: each address once; already listed on line 11)");
    }

    @Test
    void preemptIsABooleanAndTheAddressOwnerMustPreempt() {
        rejects(MINIMAL + "  preempt: maybe\n", "pacs.yaml:16:12: ha.preempt: \"maybe\" (expected: true or false)");
        rejects(MINIMAL.replace("priority: 150", "priority: 255") + "  preempt: false\n", "pacs.yaml:16:12:"
                + " ha.preempt: false conflicts with priority 255 (expected: preempt: true or a priority 1-254; the"
                + " address owner always becomes master)");
    }

    @Test
    void preemptDelayIsAtMost1000sAndOnlyWithPreemption() {
        rejects(MINIMAL + "  preemptDelay: 20m\n",
                "pacs.yaml:16:17: ha.preemptDelay: 20m (expected: 0 to 1000 s)");
        rejects(MINIMAL + "  preempt: false\n  preemptDelay: 5s\n", "pacs.yaml:17:17: ha.preemptDelay: 5s"
                + " conflicts with preempt: false (expected: 0 or no `preemptDelay:`; a delay applies only to"
                + " preemption)");
        assertThat(parse(MINIMAL + "  preempt: false\n  preemptDelay: 0\n").ha().orElseThrow().preempt()).isFalse();
    }

    @Test
    void ipv6VirtualAddressesAndUnicastPeersMakeAnIpv6Instance() {
        HaConfig ha = parse(MINIMAL.replace("[10.0.0.100]", "[\"fd00::100\", \"fd00::101\"]")
                + "  unicastPeers: [\"fe80::2\"]\n").ha().orElseThrow();

        assertThat(ha.virtualAddresses()).containsExactly("fd00::100", "fd00::101");
        assertThat(ha.unicastPeers()).containsExactly("fe80::2");
        assertThat(ha.vrrp().ipv6()).isTrue();
        rejects(MINIMAL.replace("[10.0.0.100]", "[\"fd00::100\"]") + "  unicastPeers: [10.0.0.3]\n",
                "pacs.yaml:16:18: ha.unicastPeers: 10.0.0.3 (expected: an IPv6 address like fd00::100;"
                        + " the pair's VRRP instance carries one family)");
    }

    @Test
    void unicastPeersAreLiteralsAndMayBeEmpty() {
        assertThat(parse(MINIMAL + "  unicastPeers: []\n").ha().orElseThrow().unicastPeers()).isEmpty();
        rejects(MINIMAL + "  unicastPeers: [peer-b]\n", "pacs.yaml:16:18: ha.unicastPeers: \"peer-b\""
                + " (expected: an IP address literal such as 192.168.100.2)");
    }

    // ------------------------------------------------------------------------------------------------ the pair

    @Test
    void roleIsPrimaryOrSecondary() {
        rejects(MINIMAL.replace("role: primary", "role: master"),
                "pacs.yaml:12:9: ha.role: \"master\" (expected: primary | secondary)");
    }

    @Test
    void peerAndListenAreAddressLiteralsAndNotTheSame() {
        rejects(MINIMAL.replace("peer: 10.0.0.3", "peer: lb-b.example.org"), "pacs.yaml:13:9: ha.peer:"
                + " \"lb-b.example.org\" (expected: an IP address literal such as 192.168.100.2)");
        rejects(MINIMAL.replace("listen: 10.0.0.2", "listen: 10"),
                "pacs.yaml:14:11: ha.listen: 10 (expected: an IP address literal such as 192.168.100.2)");
        rejects(MINIMAL.replace("peer: 10.0.0.3", "peer: 10.0.0.2"), "pacs.yaml:13:9: ha.peer: 10.0.0.2"
                + " (expected: the other node's management address; 10.0.0.2 is this node's, `listen:`)");
    }

    @Test
    void peerAndListenMayBeIpv6WithOrWithoutBracketsAndAreComparedAsAddresses() throws IOException {
        HaConfig ha = parse(MINIMAL.replace("peer: 10.0.0.3", "peer: \"fd00::3\"")
                .replace("listen: 10.0.0.2", "listen: \"[fd00::2]\"")).ha().orElseThrow();
        assertThat(ha.peer()).isEqualTo(ip("fd00::3"));
        assertThat(ha.listen()).isEqualTo(ip("fd00::2"));
        rejects(MINIMAL.replace("peer: 10.0.0.3", "peer: \"fd00:0::2\"").replace("listen: 10.0.0.2",
                "listen: \"fd00::2\""), "pacs.yaml:13:9: ha.peer: fd00::2 (expected: the other node's management"
                + " address; fd00::2 is this node's, `listen:`)");
    }

    @Test
    void replicationPortIs1To65535() {
        rejects(MINIMAL + "  replicationPort: 0\n", "pacs.yaml:16:20: ha.replicationPort: 0 (expected: 1-65535)");
        rejects(MINIMAL + "  replicationPort: 70000\n",
                "pacs.yaml:16:20: ha.replicationPort: 70000 (expected: 1-65535)");
    }

    @Test
    void flowSyncPortOnlyWithThePacketEngineAndNotTheReplicationPort() {
        rejects(MINIMAL + "  flowSyncPort: 7791\n", "pacs.yaml:16:17: ha.flowSyncPort: only for engine packet"
                + " (expected: no `flowSyncPort:` with engine proxy; it keeps no flow state to sync)");
        assertThatThrownBy(() -> parsePacket(MINIMAL + "  flowSyncPort: 7790\n")).isInstanceOf(ConfigException.class)
                .hasMessage("pacs.yaml:18:17: ha.flowSyncPort: 7790 (expected: a port other than replicationPort"
                        + " 7790)");
        assertThatThrownBy(() -> parsePacket(MINIMAL + "  flowSyncPort: 0\n")).isInstanceOf(ConfigException.class)
                .hasMessage("pacs.yaml:18:17: ha.flowSyncPort: 0 (expected: 1-65535)");
    }

    @Test
    void stateDirectoryDefaultsToVarLibLb4jAndIsReadAsGiven() {
        assertThat(parse(MINIMAL).ha().orElseThrow().stateDirectory()).isEqualTo(Path.of("/var/lib/lb4j"));
        assertThat(parse(MINIMAL.replace("  secretFile:", "  stateDirectory: /srv/lb4j\n  secretFile:")).ha()
                .orElseThrow().stateDirectory()).isEqualTo(Path.of("/srv/lb4j"));
    }

    // ------------------------------------------------------------------------------------------------ the secret

    @Test
    void aMissingSecretFileIsRefusedAtLoad() {
        Path missing = dir.resolve("nope.secret");
        rejects(MINIMAL.replace("SECRET", missing.toString()), "pacs.yaml:15:15: ha.secretFile: " + missing
                + ": no such file (expected: a file readable by its owner only, holding the secret)");
    }

    @Test
    void aSecretShorterThan16BytesIsRefusedAtLoad() throws IOException {
        Files.writeString(secret, "0123456789abcde\n"); // 15 bytes and the line end

        rejects(MINIMAL, "pacs.yaml:15:15: ha.secretFile: " + secret + " holds 15 bytes (expected: at least 16"
                + " bytes, e.g. from `head -c 32 /dev/urandom | base64`)");
    }

    @Test
    void aDirectoryIsNotASecretFile() {
        rejects(MINIMAL.replace("SECRET", dir.toString()), "pacs.yaml:15:15: ha.secretFile: " + dir
                + " is not a regular file (expected: a file holding the secret)");
    }

    /** Issue 12, item 13: a secret file that others may read is refused, with the chmod that fixes it (as ssh). */
    @Test
    void aSecretFileReadableByGroupAndOthersIsRefusedWithTheChmodThatFixesIt() throws IOException {
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));

        rejects(MINIMAL, "pacs.yaml:15:15: ha.secretFile: " + secret + " is readable by group and others (mode 0644;"
                + " expected: readable by its owner only: chmod 600 " + secret + ")");
    }

    @Test
    void aSecretFileWritableByItsGroupIsRefused() throws IOException {
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw--w----"));

        rejects(MINIMAL, "pacs.yaml:15:15: ha.secretFile: " + secret + " is writable by group (mode 0620;"
                + " expected: readable by its owner only: chmod 600 " + secret + ")");
    }

    // ------------------------------------------------------------------------------------------------ running

    @Test
    void configSentToARunningPairNodeMayRepeatHaOnlyUnchanged() {
        ApplianceConfig running = parse(MINIMAL);
        String text = SERVICES + MINIMAL.replace("SECRET", secret.toString());

        assertThat(ConfigLoader.parseServices(text, "config", running)).isEqualTo(running.services());
        assertThat(ConfigLoader.parseServices(SERVICES, "config", running)).isEqualTo(running.services());
        assertThatThrownBy(() -> ConfigLoader.parseServices(text.replace("priority: 150", "priority: 120"), "config",
                running)).isInstanceOf(ConfigException.class).hasMessage("config:8:3: ha: differs from the running"
                + " pair's settings (expected: the running settings or no `ha:`; ha settings change only with a"
                + " restart)");
    }
}
