package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.testkit.LbTestKit;
import io.lb4j.testkit.SimulatedConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backup, restore, history and rollback of the configuration, and the charts' samples, over real HTTPS against a
 * balancer on the test kit's simulated engine and virtual clock: what a download holds, that an upload is validated
 * (nothing applied on error, the error located), applied, audited and kept in the history with who and what changed,
 * that a rollback restores an older configuration, that the history survives a restart in its directory and keeps
 * only the last N, and that a metrics user and a call without the CSRF token are refused.
 */
class ConfigBackupApiTest {

    private static final String PASSWORD = "backup and restore, carefully";
    private static final String SCRAPER_PASSWORD = "only scraping";

    @TempDir
    Path tmp;

    private LbTestKit kit;
    private LoadBalancer lb;
    private AdminServer server;

    static VirtualService ris() {
        return VirtualService.proxy().label("RIS").address("192.0.2.101").ports(2575)
                .real("RisPrimary", "192.0.2.111").healthCheck(HealthCheck.none()).build();
    }

    @BeforeEach
    void start() {
        kit = LbTestKit.create();
        lb = kit.start(AdminApiTest.pacs());
        server = server(3, tmp.resolve("history"));
    }

    private AdminServer server(int keep, Path historyDirectory) {
        return AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray()),
                        new AdminUser("prometheus", PasswordHash.of(SCRAPER_PASSWORD.toCharArray()),
                                AdminRole.METRICS)))
                .selfSignedCertificate(tmp.resolve("tls"))
                .clock(TestClocks.of(kit.clock()))
                .chartSampling(Duration.ofHours(1), 720) // the test takes its samples itself
                .configHistory(keep, historyDirectory)
                .build().start();
    }

    @AfterEach
    void stop() {
        server.stop();
        kit.close();
    }

    private AdminClient operator() {
        AdminClient c = new AdminClient(server);
        assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);
        return c;
    }

    private static String withRis(String backup) {
        JsonNode doc = parse(backup);
        ((com.fasterxml.jackson.databind.node.ArrayNode) doc.get("services"))
                .add(parse(ConfigCodec.json().encode(List.of(ris()))).get("services").get(0));
        return Json.write(doc);
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(text, e);
        }
    }

    @Test
    void downloadsTheRunningConfigurationAsAFileThatReadsBackToTheRunningServices() {
        AdminClient.Reply r = operator().get("/api/config/backup");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(r.header("Content-Disposition")).matches("attachment; filename=\"lb4j-config-\\d{8}-\\d{6}\\.json\"");
        assertThat(ConfigCodec.json().decode(r.body())).isEqualTo(lb.services());
    }

    @Test
    void anUploadIsAppliedAuditedAndKeptInTheHistoryWithWhoAndWhatChanged() {
        AdminClient c = operator();
        String backup = c.get("/api/config/backup").body();
        AdminClient.Reply r = c.send("POST", "/api/config/restore", withRis(backup), Map.of("X-CSRF-Token", c.csrf));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("change").asText()).isEqualTo("added service \"RIS\"");
        assertThat(lb.services()).extracting(VirtualService::label).containsExactly("PACS", "RIS");

        JsonNode history = c.get("/api/config/history").json();
        assertThat(history.get("keep").asInt()).isEqualTo(3);
        assertThat(history.get("entries")).hasSize(2);
        JsonNode first = history.get("entries").get(0);
        JsonNode second = history.get("entries").get(1);
        assertThat(first.get("user").asText()).isEqualTo("system");
        assertThat(first.get("action").asText()).isEqualTo("startup");
        assertThat(second.get("id").asLong()).isEqualTo(first.get("id").asLong() + 1);
        assertThat(second.get("user").asText()).isEqualTo("operator");
        assertThat(second.get("action").asText()).isEqualTo("config.restore");
        assertThat(second.get("change").asText()).isEqualTo("added service \"RIS\"");
        assertThat(second.get("at").asText()).isEqualTo(kit.now().toString());
        // An entry's text is the configuration it applied, as a file.
        AdminClient.Reply text = c.get("/api/config/history/" + second.get("id").asLong());
        assertThat(text.header("Content-Disposition")).startsWith("attachment; filename=\"lb4j-config-");
        assertThat(ConfigCodec.json().decode(text.body())).isEqualTo(lb.services());

        assertThat(server.auditLog()).filteredOn(a -> a.action().equals("config.restore"))
                .singleElement().satisfies(a -> {
                    assertThat(a.user()).isEqualTo("operator");
                    assertThat(a.outcome()).isEqualTo("ok");
                });
    }

    @Test
    void aBadUploadAppliesNothingAndSaysWhereTheErrorIs() {
        AdminClient c = operator();
        List<VirtualService> before = lb.services();
        // Not JSON at all: the line and column of the syntax error.
        AdminClient.Reply syntax = c.send("POST", "/api/config/restore", "{\"services\": [\n  {\"label\": }\n]}",
                Map.of("X-CSRF-Token", c.csrf));
        assertThat(syntax.status()).isEqualTo(400);
        assertThat(syntax.json().get("error").asText()).isEqualTo("invalid_config");
        assertThat(syntax.json().get("line").asInt()).isEqualTo(2);
        assertThat(syntax.json().get("column").asInt()).isPositive();
        assertThat(syntax.json().get("path").asText()).startsWith("line 2, column ");
        // Valid JSON, a bad value: the builder's message and where.
        String badWeight = c.get("/api/config/backup").body().replace("\"weight\" : 100", "\"weight\" : -5");
        assertThat(badWeight).contains("-5");
        AdminClient.Reply value = c.send("POST", "/api/config/restore", badWeight, Map.of("X-CSRF-Token", c.csrf));
        assertThat(value.status()).isEqualTo(400);
        assertThat(value.json().get("path").asText()).isEqualTo("/services/0/realServers/0/weight");
        assertThat(value.json().get("message").asText()).contains("-5");

        assertThat(lb.services()).isEqualTo(before);
        assertThat(c.get("/api/config/history").json().get("entries")).hasSize(1);
        assertThat(server.auditLog()).filteredOn(a -> a.action().equals("config.restore"))
                .extracting(AuditEntry::outcome).allMatch(o -> o.startsWith("failed: ")).hasSize(2);
    }

    @Test
    void rollsBackToAnOlderConfigurationAndRecordsTheRollback() {
        AdminClient c = operator();
        long startup = c.get("/api/config/history").json().get("entries").get(0).get("id").asLong();
        c.send("POST", "/api/config/restore", withRis(c.get("/api/config/backup").body()),
                Map.of("X-CSRF-Token", c.csrf));
        assertThat(lb.services()).hasSize(2);

        AdminClient.Reply r = c.post("/api/config/history/" + startup + "/rollback");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("action").asText()).isEqualTo("config.rollback");
        assertThat(r.json().get("change").asText()).isEqualTo("rolled back to #" + startup
                + ": removed service \"RIS\"");
        assertThat(lb.services()).containsExactly(AdminApiTest.pacs());
        assertThat(server.auditLog()).filteredOn(a -> a.action().equals("config.rollback"))
                .singleElement().satisfies(a -> assertThat(a.target()).isEqualTo("#" + startup));
        assertThat(c.post("/api/config/history/999/rollback").status()).isEqualTo(404);
    }

    @Test
    void theHistoryKeepsTheLastNAndSurvivesARestartInItsDirectory() throws Exception {
        AdminClient c = operator();
        for (int i = 0; i < 4; i++) {
            String doc = i % 2 == 0 ? withRis(c.get("/api/config/backup").body())
                    : ConfigCodec.json().encode(List.of(AdminApiTest.pacs()));
            assertThat(c.send("POST", "/api/config/restore", doc, Map.of("X-CSRF-Token", c.csrf)).status())
                    .isEqualTo(200);
        }
        JsonNode entries = c.get("/api/config/history").json().get("entries");
        assertThat(entries).hasSize(3);
        assertThat(entries.get(2).get("id").asLong()).isEqualTo(5); // startup was #1
        try (Stream<Path> files = Files.list(tmp.resolve("history"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                    "config-0000000003.json", "config-0000000004.json", "config-0000000005.json");
        }
        assertThat(Files.getPosixFilePermissions(tmp.resolve("history/config-0000000005.json")).toString())
                .isEqualTo("[OWNER_READ, OWNER_WRITE]");

        // A restart running what the history's newest entry holds adds no entry; its numbers go on.
        server.stop();
        server = server(3, tmp.resolve("history"));
        AdminClient again = operator();
        JsonNode kept = again.get("/api/config/history").json().get("entries");
        assertThat(kept).extracting(e -> e.get("id").asLong()).containsExactly(3L, 4L, 5L);
        assertThat(again.post("/api/config/history/4/rollback").status()).isEqualTo(200);
        assertThat(lb.services()).extracting(VirtualService::label).containsExactly("PACS", "RIS");
        assertThat(again.get("/api/config/history").json().get("entries"))
                .extracting(e -> e.get("id").asLong()).containsExactly(4L, 5L, 6L);
    }

    @Test
    void onlyAnOperatorWithTheCsrfTokenMayBackUpOrRestore() {
        AdminClient scraper = new AdminClient(server);
        assertThat(scraper.login("prometheus", SCRAPER_PASSWORD).status()).isEqualTo(200);
        String doc = ConfigCodec.json().encode(List.of(AdminApiTest.pacs(), ris()));
        assertThat(scraper.get("/api/config/backup").status()).isEqualTo(403);
        assertThat(scraper.get("/api/config/history").status()).isEqualTo(403);
        assertThat(scraper.get("/api/config/history/1").status()).isEqualTo(403);
        assertThat(scraper.get("/api/charts").status()).isEqualTo(403);
        assertThat(scraper.send("POST", "/api/config/restore", doc, Map.of("X-CSRF-Token", scraper.csrf)).status())
                .isEqualTo(403);
        assertThat(scraper.post("/api/config/history/1/rollback").status()).isEqualTo(403);

        AdminClient c = operator();
        assertThat(c.send("POST", "/api/config/restore", doc, Map.of()).status()).isEqualTo(403);
        AdminClient anonymous = new AdminClient(server);
        assertThat(anonymous.get("/api/config/backup").status()).isEqualTo(401);
        assertThat(anonymous.send("POST", "/api/config/restore", doc, Map.of()).status()).isEqualTo(401);
        assertThat(c.get("/api/config/restore").status()).isEqualTo(405);

        assertThat(lb.services()).containsExactly(AdminApiTest.pacs());
        assertThat(server.auditLog()).filteredOn(a -> a.action().equals("config.restore")).extracting(
                AuditEntry::outcome).contains("denied: role metrics", "denied: missing or wrong CSRF token");
    }

    @Test
    void chartsSampleConnectionsAndTheirRateOnTheInjectedClock() {
        AdminClient c = operator();
        server.sampleCharts(); // the start took one at the same instant: a rate needs time between samples
        kit.advance(Duration.ofSeconds(5));
        server.sampleCharts();
        SimulatedConnection a = kit.open(104);
        SimulatedConnection b = kit.open(104);
        kit.advance(Duration.ofSeconds(5));
        server.sampleCharts();

        JsonNode charts = c.get("/api/charts").json();
        assertThat(charts.get("throughput").asText()).isEqualTo("bytes/s");
        JsonNode at = charts.get("at");
        assertThat(at).hasSize(4);
        assertThat(at.get(3).asDouble() - at.get(2).asDouble()).isEqualTo(5.0);
        JsonNode pacs = charts.get("services").get(0);
        assertThat(pacs.get("label").asText()).isEqualTo("PACS");
        assertThat(pacs.get("connections")).extracting(JsonNode::asInt).containsExactly(0, 0, 0, 2);
        assertThat(pacs.get("connectionsPerSecond").get(0).isNull()).isTrue();
        assertThat(pacs.get("connectionsPerSecond").get(1).isNull()).as("no time between the two samples").isTrue();
        assertThat(pacs.get("connectionsPerSecond").get(3).asDouble()).isEqualTo(0.4);
        assertThat(pacs.get("serversUp").get(3).asInt()).isEqualTo(1);
        assertThat(pacs.get("servers").asInt()).isEqualTo(1);
        a.close();
        b.close();
    }
}
