package io.lb4j.admin;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RealServerState;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Issue 12's admin items over real HTTPS: roles and the metrics path, password-hash upgrades, login limits, the
 * audit log under a flood, connection and stream caps and deadlines, certificate renewal, secret files. Servers
 * share one certificate directory, so the key is generated once.
 */
class AdminSecurityTest {

    static final String PASSWORD = "correct horse battery staple";
    static final String SCRAPER_PASSWORD = "scrape me";

    @TempDir
    static Path tls;

    private static LbTestKit kit;
    private static LoadBalancer lb;
    private static AdminUser operator;
    private static AdminUser scraper;
    private final List<AdminServer> servers = new ArrayList<>();

    @BeforeAll
    static void startBalancer() {
        kit = LbTestKit.create();
        lb = kit.start(AdminApiTest.pacs());
        operator = AdminUser.withPassword("operator", PASSWORD.toCharArray());
        scraper = new AdminUser("prometheus", PasswordHash.of(SCRAPER_PASSWORD.toCharArray()), AdminRole.METRICS);
    }

    @AfterAll
    static void stopBalancer() {
        kit.close();
    }

    @BeforeEach
    void online() {
        lb.online("PACS", "PrimaryCluster");
    }

    @org.junit.jupiter.api.AfterEach
    void stopServers() {
        servers.forEach(AdminServer::stop);
    }

    /** A builder with both users, on any free port, with the shared certificate. */
    static AdminServer.Builder builder() {
        return AdminServer.builder().balancer(lb).bind("127.0.0.1", 0).users(List.of(operator, scraper))
                .selfSignedCertificate(tls);
    }

    private AdminServer start(AdminServer.Builder b) {
        AdminServer s = b.build().start();
        servers.add(s);
        return s;
    }

    private static Map<String, String> basic(String user, String password) {
        return Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8)));
    }

    // ------------------------------------------------------------------------------------------------ item 10

    @Test
    void theMetricsPathServesMetricsOnly() {
        AdminServer server = start(builder());
        AdminClient c = new AdminClient(server);
        assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);
        assertThat(c.get("/metrics").status()).isEqualTo(200);
        for (String path : List.of("/metrics/status", "/metrics/config", "/metrics/audit", "/metrics/metrics")) {
            AdminClient.Reply r = c.get(path);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.json().get("message").asText()).as(path).isEqualTo("no such resource: " + path);
        }
        AdminClient.Reply halt = c.post("/metrics/services/PACS/real-servers/PrimaryCluster/halt");
        assertThat(halt.status()).isEqualTo(404);
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").state()).isEqualTo(RealServerState.UP);
    }

    @Test
    void aMetricsUserCanScrapeButNotHalt() {
        AdminServer server = start(builder());
        AdminClient c = new AdminClient(server);
        AdminClient.Reply scrape = c.send("GET", "/metrics", null, basic("prometheus", SCRAPER_PASSWORD));
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.body()).contains("lb4j_realserver_state{");

        AdminClient.Reply login = c.login("prometheus", SCRAPER_PASSWORD);
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.json().get("role").asText()).isEqualTo("metrics");
        assertThat(c.get("/metrics").status()).isEqualTo(200);
        for (String path : List.of("/api/status", "/api/config", "/api/audit", "/api/events", "/api/pair",
                "/api/services/PACS")) {
            AdminClient.Reply r = c.get(path);
            assertThat(r.status()).as(path).isEqualTo(403);
            assertThat(r.json().get("message").asText()).as(path).isEqualTo("user \"prometheus\" has role metrics"
                    + " (expected: operator); a metrics user may only scrape /metrics");
        }
        AdminClient.Reply halt = c.post("/api/services/PACS/real-servers/PrimaryCluster/halt");
        assertThat(halt.status()).isEqualTo(403);
        assertThat(halt.json().get("error").asText()).isEqualTo("forbidden");
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").state()).isEqualTo(RealServerState.UP);
        assertThat(server.auditLog().getLast()).extracting(AuditEntry::user, AuditEntry::action, AuditEntry::outcome)
                .containsExactly("prometheus", "halt", "denied: role metrics");
        assertThat(c.post("/api/logout").status()).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------------ item 11

    @Test
    void anOldHashIsUpgradedAtLoginAndHandedToTheListenerToPersist() {
        List<AdminUser> upgraded = new CopyOnWriteArrayList<>();
        AdminUser old = new AdminUser("operator", PasswordHash.of(PASSWORD.toCharArray(), 210_000));
        AdminServer server = start(builder().users(List.of(old)).onPasswordHashUpgrade(upgraded::add));
        AdminClient c = new AdminClient(server);
        assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);
        assertThat(upgraded).hasSize(1);
        assertThat(upgraded.getFirst().passwordHash()).startsWith("pbkdf2-sha256$600000$");
        assertThat(PasswordHash.matches(PASSWORD.toCharArray(), upgraded.getFirst().passwordHash())).isTrue();
        assertThat(new AdminClient(server).login("operator", PASSWORD).status()).isEqualTo(200);
        assertThat(upgraded).hasSize(1);
    }

    @Test
    void anUpgradeListenerNeedsTheBuiltInUsers() {
        assertThatThrownBy(() -> AdminServer.builder().balancer(lb).authenticator((u, p) -> java.util.Optional.empty())
                .onPasswordHashUpgrade(u -> {
                }).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("admin.onPasswordHashUpgrade: set together with an authenticator (expected: users, whose"
                        + " hashes the server checks)");
    }

    // ------------------------------------------------------------------------------------------------ item 8

    @Test
    void unauthenticatedRequestsAreAggregatedAndDoNotPushOutOperatorActions() {
        AdminServer server = start(builder().loginAttempts(1000, Duration.ofMinutes(1))
                .loginAttemptsPerUser(1000, Duration.ofMinutes(1)));
        AdminClient op = new AdminClient(server);
        assertThat(op.login("operator", PASSWORD).status()).isEqualTo(200);
        assertThat(op.post("/api/services/PACS/real-servers/PrimaryCluster/drain").status()).isEqualTo(200);

        AdminClient anonymous = new AdminClient(server);
        for (int i = 0; i < 200; i++) {
            assertThat(anonymous.send("POST", "/api/services/PACS/real-servers/PrimaryCluster/halt", "",
                    Map.of("X-CSRF-Token", "x")).status()).isEqualTo(401);
        }
        assertThat(anonymous.login("admin", "guess").status()).isEqualTo(401);
        assertThat(anonymous.login("root", "guess").status()).isEqualTo(401);

        assertThat(server.auditLog()).extracting(AuditEntry::user, AuditEntry::action, AuditEntry::outcome,
                        AuditEntry::count)
                .containsExactly(
                        tuple("operator", "login", "ok", 1),
                        tuple("operator", "drain", "ok", 1),
                        tuple("", "halt", "denied: not logged in", 200),
                        tuple("admin, root", "login", "denied: wrong user name or password", 2));
        JsonNode entries = op.get("/api/audit").json().get("entries");
        assertThat(entries.get(2).get("count").asInt()).isEqualTo(200);
    }
}
