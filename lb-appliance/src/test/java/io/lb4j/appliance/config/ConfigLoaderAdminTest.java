package io.lb4j.appliance.config;

import io.lb4j.admin.AdminRole;
import io.lb4j.admin.AdminUser;
import io.lb4j.admin.PasswordHash;
import io.lb4j.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/** The {@code admin:} section: how it maps to {@link AdminConfig}, and one test per kind of error, at file:line. */
class ConfigLoaderAdminTest {

    /** One hash for every test: PBKDF2 with 210,000 iterations is deliberately slow. */
    private static final String HASH = PasswordHash.of("s3cret".toCharArray());

    /** Lines 1-6 are the services; `admin:` starts on line 7. */
    private static final String SERVICES = """
            services:
              - label: PACS
                address: 127.0.0.1
                ports: [10104]
                healthCheck: none
                realServers: [ { label: P, address: 127.0.0.2 } ]
            """;

    private static ApplianceConfig parse(String admin) {
        return ConfigLoader.parse(SERVICES + admin.replace("HASH", HASH), "pacs.yaml");
    }

    @Test
    void everyAdminKeyMapsToItsSetting() {
        AdminConfig admin = parse("""
                admin:
                  address: 10.1.0.5
                  port: 8443
                  users:
                    - { name: operator, passwordHash: "HASH" }
                    - name: auditor
                      passwordHash: "HASH"
                  tls: { selfSignedDirectory: /var/lib/lb4j/admin-tls }
                  loginAttempts: { attempts: 3, per: 5m }
                  sessionTimeout: 10m
                """).admin().orElseThrow();

        assertThat(admin).isEqualTo(new AdminConfig("10.1.0.5", 8443,
                List.of(new AdminUser("operator", HASH), new AdminUser("auditor", HASH)),
                new AdminConfig.SelfSigned(Path.of("/var/lib/lb4j/admin-tls")), 3, Duration.ofMinutes(5),
                Duration.ofMinutes(10)));
    }

    @Test
    void onlyUsersAreRequiredAndTheRestDefaultsAsTheAdminServerBuilderDoes() {
        AdminConfig admin = parse("admin:\n  users: [ { name: operator, passwordHash: \"HASH\" } ]\n")
                .admin().orElseThrow();

        assertThat(admin).isEqualTo(new AdminConfig("127.0.0.1", 9443, List.of(new AdminUser("operator", HASH)),
                AdminConfig.Tls.defaultSelfSigned(), 5, Duration.ofMinutes(1), Duration.ofMinutes(30)));
    }

    @Test
    void ownKeyStoreTakesTheStoreAndItsPasswordFile() {
        AdminConfig admin = parse("""
                admin:
                  users: [ { name: operator, passwordHash: "HASH" } ]
                  tls: { keyStore: /etc/lb4j/admin.p12, keyStorePasswordFile: /etc/lb4j/admin.p12.password }
                """).admin().orElseThrow();

        assertThat(admin.tls()).isEqualTo(new AdminConfig.KeyStore(Path.of("/etc/lb4j/admin.p12"),
                Path.of("/etc/lb4j/admin.p12.password")));
    }

    @Test
    void fileWithoutAdminHasNoAdminServer() {
        assertThat(parse("").admin()).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------ errors

    @Test
    void unknownAdminKeyIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse("admin:\n  users: [ { name: op, passwordHash: \"HASH\" } ]\n  bind: 0.0.0.0\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("pacs.yaml:9:3: unknown key \"bind\" in admin (expected one of: address, loginAttempts,"
                        + " port, sessionTimeout, tls, users)");
    }

    @Test
    void unknownUserKeyIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse("admin:\n  users:\n    - { name: op, password: hunter2 }\n"))
                .hasMessage("pacs.yaml:9:19: unknown key \"password\" in an admin user (expected one of: name,"
                        + " passwordHash, role)");
    }

    /** Issue 12, item 10: a read-only user that can scrape /metrics but not Halt. */
    @Test
    void aUserWithRoleMetricsIsAReadOnlyScraper() {
        ApplianceConfig config = parse("admin:\n  users:\n    - { name: prometheus, passwordHash: \"" + HASH
                + "\", role: metrics }\n    - { name: op, passwordHash: \"" + HASH + "\" }\n");

        assertThat(config.admin().orElseThrow().users()).extracting(AdminUser::name, AdminUser::role)
                .containsExactly(tuple("prometheus", AdminRole.METRICS), tuple("op", AdminRole.OPERATOR));
    }

    @Test
    void anUnknownRoleIsRejectedAtItsValue() {
        assertThatThrownBy(() -> parse("admin:\n  users:\n    - { name: op, passwordHash: \"" + HASH
                + "\", role: root }\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("pacs.yaml:9:")
                .hasMessageContaining("\"root\" (expected: operator or metrics)");
    }

    @Test
    void missingUsersAreRejectedAtTheAdminMapping() {
        assertThatThrownBy(() -> parse("admin:\n  port: 9443\n"))
                .hasMessage("pacs.yaml:8:3: users: missing in admin (expected: a `users:` entry)");
    }

    @Test
    void emptyUserListIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse("admin:\n  users: []\n"))
                .hasMessage("pacs.yaml:8:10: admin.users: [] (expected: at least one user with name and passwordHash)");
    }

    @Test
    void userWithoutHashIsRejectedAtTheUser() {
        assertThatThrownBy(() -> parse("admin:\n  users:\n    - name: op\n"))
                .hasMessage("pacs.yaml:9:7: passwordHash: missing in admin user \"op\" (expected: a `passwordHash:`"
                        + " entry)");
    }

    @Test
    void somethingThatIsNotAHashIsRejectedAtItsLineWithoutEchoingIt() {
        assertThatThrownBy(() -> parse("admin:\n  users:\n    - { name: op, passwordHash: hunter2 }\n"))
                .hasMessageStartingWith("pacs.yaml:9:33: admin.users[op].passwordHash: not a PBKDF2 hash")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void userListedTwiceIsRejectedAtTheSecondOne() {
        assertThatThrownBy(() -> parse("admin:\n  users:\n    - { name: op, passwordHash: \"HASH\" }\n"
                + "    - { name: op, passwordHash: \"HASH\" }\n"))
                .hasMessage("pacs.yaml:10:15: admin.users.name: \"op\" (expected: unique names; \"op\" is already"
                        + " listed on line 9)");
    }

    @Test
    void anIpv6AddressIsAcceptedWithOrWithoutBrackets() {
        for (String address : List.of("\"::1\"", "\"[::1]\"", "\"2001:db8::2\"")) {
            AdminConfig admin = parse("admin:\n  address: " + address
                    + "\n  users: [ { name: op, passwordHash: \"HASH\" } ]\n").admin().orElseThrow();
            assertThat(admin.address()).isEqualTo(address.substring(1, address.length() - 1));
        }
    }

    @Test
    void addressThatIsNotAnIpLiteralIsRejectedWithTheBuilderMessage() {
        assertThatThrownBy(() -> parse("admin:\n  address: lb.example.org\n  users: [ { name: op, passwordHash: \"HASH\" } ]\n"))
                .hasMessage("pacs.yaml:8:12: admin.address: \"lb.example.org\" (expected: an IPv4 or IPv6 literal"
                        + " such as 127.0.0.1)");
    }

    @Test
    void portOutOfRangeIsRejectedWithTheBuilderMessage() {
        assertThatThrownBy(() -> parse("admin:\n  port: 70000\n  users: [ { name: op, passwordHash: \"HASH\" } ]\n"))
                .hasMessage("pacs.yaml:8:9: admin.port: 70000 (expected: 0-65535)");
    }

    @Test
    void badSessionTimeoutIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse("admin:\n  users: [ { name: op, passwordHash: \"HASH\" } ]\n  sessionTimeout: 30\n"))
                .hasMessage("pacs.yaml:9:19: admin.sessionTimeout: 30 (expected: a duration such as 500ms, 30s, 5m"
                        + " or 1h)");
    }

    @Test
    void zeroSessionTimeoutIsRejectedWithTheBuilderMessage() {
        assertThatThrownBy(() -> parse("admin:\n  users: [ { name: op, passwordHash: \"HASH\" } ]\n  sessionTimeout: 0\n"))
                .hasMessage("pacs.yaml:9:19: admin.sessionTimeout: PT0S (expected: > 0)");
    }

    @Test
    void loginAttemptsOutOfRangeAreRejectedAtTheCount() {
        assertThatThrownBy(() -> parse("admin:\n  users: [ { name: op, passwordHash: \"HASH\" } ]\n"
                + "  loginAttempts: { attempts: 0, per: 1m }\n"))
                .hasMessage("pacs.yaml:9:30: admin.loginAttempts: 0 (expected: 1-1000)");
    }

    @Test
    void keyStoreTogetherWithSelfSignedIsRejectedAtTheKeyStore() {
        assertThatThrownBy(() -> parse("admin:\n  users: [ { name: op, passwordHash: \"HASH\" } ]\n  tls:\n"
                + "    selfSignedDirectory: /tmp/tls\n    keyStore: /etc/admin.p12\n"))
                .hasMessage("pacs.yaml:11:15: admin.tls: a key store together with selfSignedDirectory (expected:"
                        + " either selfSignedDirectory, or keyStore and keyStorePasswordFile)");
    }

    @Test
    void keyStoreWithoutItsPasswordFileIsRejectedAtTheTlsMapping() {
        assertThatThrownBy(() -> parse("admin:\n  users: [ { name: op, passwordHash: \"HASH\" } ]\n"
                + "  tls: { keyStore: /etc/admin.p12 }\n"))
                .hasMessage("pacs.yaml:9:8: keyStorePasswordFile: missing in admin.tls (expected: a"
                        + " `keyStorePasswordFile:` entry)");
    }
}
