package io.lb4j.appliance;

import io.lb4j.admin.PasswordHash;
import io.lb4j.appliance.config.ApplianceConfig;
import io.lb4j.appliance.config.ConfigLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which of a file's listeners clash: one rule per test, each with its message. */
class ListenersTest {

    @TempDir
    static Path dir;

    private static String hash;

    @BeforeAll
    static void hashOnce() {
        hash = PasswordHash.of("s3cret".toCharArray());
    }

    private static String services(String engine, int port) {
        return """
                engine: %s
                services:
                  - label: PACS
                    address: 10.0.0.100
                    ports: [%d]
                    realServers: [ { label: main, address: 10.0.0.50 } ]
                """.formatted(engine, port);
    }

    private static String admin(String address, int port) {
        return """
                admin:
                  address: %s
                  port: %d
                  users: [ { name: operator, passwordHash: "%s" } ]
                """.formatted(address, port, hash);
    }

    private static String ha(String role, String flowSync) throws IOException {
        Path secret = Files.writeString(dir.resolve("ha.secret"), "0123456789abcdef");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------")); // a secret file is owner-only
        return """
                ha:
                  interface: eth0
                  vrid: 51
                  priority: 100
                  virtualAddresses: [10.0.0.100]
                  role: %s
                  peer: 10.0.0.2
                  listen: 10.0.0.3
                  replicationPort: 7790
                %s  secretFile: %s
                """.formatted(role, flowSync, secret);
    }

    private static ApplianceConfig config(String yaml) {
        return ConfigLoader.parse(yaml, "test.yaml");
    }

    @Test
    void anAdminServerOnTheWildcardAddressClashesWithAServicePort() {
        assertThatThrownBy(() -> Listeners.checkNoClash(config(services("proxy", 9443) + admin("0.0.0.0", 9443))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("admin.port: 9443 (expected: a port no other part of the appliance listens on; service"
                        + " \"PACS\" listens on 10.0.0.100:9443/TCP)");
    }

    @Test
    void anAdminServerOnAnotherAddressDoesNotClash() {
        assertThatCode(() -> Listeners.checkNoClash(config(services("proxy", 9443) + admin("127.0.0.1", 9443))))
                .doesNotThrowAnyException();
    }

    @Test
    void anAdminServerOnPortZeroNeverClashes() {
        assertThatCode(() -> Listeners.checkNoClash(config(services("proxy", 9443) + admin("0.0.0.0", 0))))
                .doesNotThrowAnyException();
    }

    @Test
    void thePacketEngineOpensNoSocketForAService() {
        assertThatCode(() -> Listeners.checkNoClash(config(services("packet\ninterface: eth0", 9443)
                + admin("0.0.0.0", 9443)))).doesNotThrowAnyException();
    }

    @Test
    void theSecondarysConfigReceiverClashesWithTheAdminServer() throws IOException {
        assertThatThrownBy(() -> Listeners.checkNoClash(config(services("proxy", 104) + admin("0.0.0.0", 7790)
                + ha("secondary", ""))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ha.replicationPort: 7790 (expected: a port no other part of the appliance listens on;"
                        + " the admin server listens on 0.0.0.0:7790/TCP)");
    }

    @Test
    void thePrimaryListensForNoReplication() throws IOException {
        assertThatCode(() -> Listeners.checkNoClash(config(services("proxy", 104) + admin("0.0.0.0", 7790)
                + ha("primary", "")))).doesNotThrowAnyException();
    }

    @Test
    void flowSyncClashesWithTheAdminServer() throws IOException {
        assertThatThrownBy(() -> Listeners.checkNoClash(config(services("packet\ninterface: eth0", 104)
                + admin("10.0.0.3", 7791) + ha("primary", "  flowSyncPort: 7791\n"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ha.flowSyncPort: 7791 (expected: a port no other part of the appliance listens on;"
                        + " the admin server listens on 10.0.0.3:7791/TCP)");
    }

    @Test
    void aClusterNodesReceiverAndFlowSyncClashWithTheAdminServer() throws IOException {
        Path secret = Files.writeString(dir.resolve("cluster.secret"), "0123456789abcdef");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        String cluster = """
                cluster:
                  daemon: bird
                  socket: /run/bird/bird.ctl
                  configFile: /etc/bird/lb4j.conf
                  localAs: 65001
                  neighbours: [ { address: 10.0.0.1, as: 65000 } ]
                  listen: 10.0.0.3
                  peers: [10.0.0.2]
                  primary: 10.0.0.2
                  secretFile: %s
                """.formatted(secret);
        assertThatThrownBy(() -> Listeners.checkNoClash(config(services("proxy", 104) + admin("0.0.0.0", 7790)
                + cluster)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cluster.replicationPort: 7790 (expected: a port no other part of the appliance listens"
                        + " on; the admin server listens on 0.0.0.0:7790/TCP)");
        assertThatThrownBy(() -> Listeners.checkNoClash(config(services("packet\ninterface: eth0", 104)
                + admin("10.0.0.3", 7791) + cluster.replace("primary: 10.0.0.2", "primary: 10.0.0.3"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cluster.flowSyncPort: 7791 (expected: a port no other part of the appliance listens on;"
                        + " the admin server listens on 10.0.0.3:7791/TCP)");
    }
}
