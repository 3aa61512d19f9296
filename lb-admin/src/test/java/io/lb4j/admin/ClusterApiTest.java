package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.lb4j.api.LoadBalancer;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The active-active cluster view and the operator's node drain: {@code GET /api/cluster}, {@code POST
 * /api/cluster/drain} and {@code /undrain} (roles, CSRF, audit), the status's {@code cluster} field, the
 * {@code event: cluster} pushed by {@link AdminServer#clusterChanged()}, a failing control, a node outside a cluster,
 * and {@link ClusterStatus}'s checks. The control is a stand-in for the appliance's (lb-admin knows nothing of lb-ha;
 * the appliance's own over lb-ha's announcing node is tested there): a drain withdraws its routes as the real one
 * does. The periodic status is an hour apart, so a cluster update seen on the stream can only be the push.
 */
class ClusterApiTest {

    private static final String PASSWORD = "cluster-view-password";
    private static final String SCRAPER_PASSWORD = "cluster-scraper-password";
    private static final Instant SINCE = Instant.parse("2026-12-06T20:00:00.500Z");

    /** A node's routes as an embedder keeps them: a drain withdraws every one, an undrain announces them again. */
    static final class StandInControl implements ClusterControl {
        final List<String> calls = new ArrayList<>();
        volatile RuntimeException failure;
        private boolean drained;
        private Instant since = SINCE;

        @Override
        public synchronized ClusterStatus status() {
            if (failure != null) {
                throw failure;
            }
            String state = drained ? "WITHDRAWN" : "ANNOUNCED";
            String reason = drained ? "DRAINED" : "SERVING";
            return new ClusterStatus("bird", "/run/bird/bird.ctl", 65001,
                    List.of(new ClusterStatus.Neighbour("192.0.2.1", 65000)), true, drained,
                    List.of(new ClusterStatus.Route("192.0.2.100", state, since, reason),
                            new ClusterStatus.Route("2001:db8::100", state, since, reason)));
        }

        @Override
        public synchronized void drain() {
            act(true);
        }

        @Override
        public synchronized void undrain() {
            act(false);
        }

        /** Back to announced since {@link #SINCE}, nothing called. */
        synchronized void reset() {
            failure = null;
            drained = false;
            since = SINCE;
            calls.clear();
        }

        private void act(boolean drain) {
            if (failure != null) {
                throw failure;
            }
            calls.add(drain ? "drain" : "undrain");
            if (drained != drain) {
                since = since.plusSeconds(60);
            }
            drained = drain;
        }
    }

    @TempDir
    static Path tls;

    private static LbTestKit kit;
    private static LoadBalancer lb;
    private static AdminServer server;
    private static StandInControl control;
    private AdminClient client;

    @BeforeAll
    static void startServer() {
        kit = LbTestKit.create();
        lb = kit.start(AdminApiTest.pacs());
        control = new StandInControl();
        server = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray()),
                        new AdminUser("prometheus", PasswordHash.of(SCRAPER_PASSWORD.toCharArray()),
                                AdminRole.METRICS)))
                .selfSignedCertificate(tls).loginAttempts(100, Duration.ofMinutes(1))
                .statusInterval(Duration.ofHours(1))
                .cluster(control)
                .build().start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
        kit.close();
    }

    @BeforeEach
    void newClient() {
        control.reset();
        client = new AdminClient(server);
    }

    private AdminClient loggedIn() {
        assertThat(client.login("operator", PASSWORD).status()).isEqualTo(200);
        return client;
    }

    private static final String ANNOUNCED = "{\"daemon\":\"bird\",\"socket\":\"/run/bird/bird.ctl\",\"localAs\":65001,"
            + "\"neighbours\":[{\"address\":\"192.0.2.1\",\"as\":65000}],\"bfd\":true,\"drained\":false,"
            + "\"routes\":[{\"vip\":\"192.0.2.100\",\"state\":\"ANNOUNCED\",\"since\":\"%s\",\"reason\":\"SERVING\"},"
            + "{\"vip\":\"2001:db8::100\",\"state\":\"ANNOUNCED\",\"since\":\"%s\",\"reason\":\"SERVING\"}]}";

    @Test
    void theClusterIsShownAndTheStatusCarriesIt() {
        AdminClient.Reply r = loggedIn().get("/api/cluster");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().toString()).isEqualTo(ANNOUNCED.formatted(SINCE, SINCE));
        JsonNode status = client.get("/api/status").json();
        assertThat(status.get("cluster")).isEqualTo(r.json());
        assertThat(status.get("pair").isNull()).as("a cluster node need not be one of a pair").isTrue();
    }

    @Test
    void anOperatorDrainsTheNodeAndUndrainsItAndBothAreAudited() {
        loggedIn();
        AdminClient.Reply drained = client.post("/api/cluster/drain");
        assertThat(drained.status()).isEqualTo(200);
        assertThat(control.calls).containsExactly("drain");
        assertThat(drained.json().get("drained").asBoolean()).isTrue();
        assertThat(drained.json().get("routes")).allSatisfy(route -> {
            assertThat(route.get("state").asText()).isEqualTo("WITHDRAWN");
            assertThat(route.get("reason").asText()).isEqualTo("DRAINED");
        });
        assertThat(client.get("/api/cluster").json()).isEqualTo(drained.json());
        // Idempotent, like the control: a second drain changes nothing but is audited like the first.
        assertThat(client.post("/api/cluster/drain").json()).isEqualTo(drained.json());

        AdminClient.Reply undrained = client.post("/api/cluster/undrain");
        assertThat(undrained.status()).isEqualTo(200);
        assertThat(undrained.json().get("drained").asBoolean()).isFalse();
        assertThat(undrained.json().get("routes").get(0).get("state").asText()).isEqualTo("ANNOUNCED");
        assertThat(control.calls).containsExactly("drain", "drain", "undrain");

        assertThat(server.auditLog()).filteredOn(e -> e.action().startsWith("cluster."))
                .extracting(AuditEntry::user, AuditEntry::action, AuditEntry::outcome)
                .endsWith(org.assertj.core.groups.Tuple.tuple("operator", "cluster.drain", "ok"),
                        org.assertj.core.groups.Tuple.tuple("operator", "cluster.drain", "ok"),
                        org.assertj.core.groups.Tuple.tuple("operator", "cluster.undrain", "ok"));
    }

    @Test
    void drainingNeedsAnOperatorWithTheCsrfTokenAndTheViewASession() {
        assertThat(client.get("/api/cluster").status()).isEqualTo(401);
        assertThat(client.send("POST", "/api/cluster/drain", "", Map.of()).status()).isEqualTo(401);

        AdminClient scraper = new AdminClient(server);
        assertThat(scraper.login("prometheus", SCRAPER_PASSWORD).status()).isEqualTo(200);
        assertThat(scraper.get("/api/cluster").status()).isEqualTo(403);
        AdminClient.Reply refused = scraper.post("/api/cluster/drain");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("error").asText()).isEqualTo("forbidden");

        loggedIn();
        AdminClient.Reply noToken = client.send("POST", "/api/cluster/drain", "", Map.of());
        assertThat(noToken.status()).isEqualTo(403);
        assertThat(noToken.json().get("error").asText()).isEqualTo("csrf");
        assertThat(client.send("POST", "/api/cluster/undrain", "", Map.of("X-CSRF-Token", "forged")).status())
                .isEqualTo(403);
        assertThat(control.calls).as("nothing reached the node").isEmpty();
        assertThat(server.auditLog()).filteredOn(e -> e.action().startsWith("cluster."))
                .extracting(AuditEntry::user, AuditEntry::outcome)
                .contains(org.assertj.core.groups.Tuple.tuple("prometheus", "denied: role metrics"),
                        org.assertj.core.groups.Tuple.tuple("operator", "denied: missing or wrong CSRF token"));

        assertThat(client.post("/api/cluster").status()).isEqualTo(405);
        assertThat(client.get("/api/cluster/drain").status()).isEqualTo(405);
        assertThat(client.post("/api/cluster/resign").status()).isEqualTo(404);
        assertThat(client.post("/api/cluster/drain/now").status()).isEqualTo(404);
    }

    @Test
    void aFailingControlDoesNotFailTheStatusAndAFailedDrainIsAudited() {
        loggedIn();
        control.failure = new IllegalStateException("bird socket gone");
        AdminClient.Reply view = client.get("/api/cluster");
        assertThat(view.status()).isEqualTo(500);
        assertThat(view.json().get("error").asText()).isEqualTo("cluster_unavailable");
        assertThat(view.json().get("message").asText())
                .isEqualTo("cluster status unavailable: IllegalStateException: bird socket gone");
        AdminClient.Reply status = client.get("/api/status");
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.json().get("cluster").get("error").asText()).contains("bird socket gone");

        AdminClient.Reply drain = client.post("/api/cluster/drain");
        assertThat(drain.status()).isEqualTo(500);
        assertThat(drain.json().get("message").asText())
                .isEqualTo("drain failed: IllegalStateException: bird socket gone");
        assertThat(server.auditLog()).last().satisfies(e -> {
            assertThat(e.action()).isEqualTo("cluster.drain");
            assertThat(e.outcome()).isEqualTo("failed: drain failed: IllegalStateException: bird socket gone");
        });
    }

    @Test
    void aNodeOutsideAClusterHasNone() throws Exception {
        try (AdminServer alone = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(tls.resolve("alone")).build().start()) {
            AdminClient c = new AdminClient(alone);
            assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);
            AdminClient.Reply view = c.get("/api/cluster");
            assertThat(view.status()).isEqualTo(404);
            assertThat(view.json().get("message").asText())
                    .isEqualTo("no active-active cluster: this node announces no routes");
            assertThat(c.post("/api/cluster/drain").status()).isEqualTo(404);
            assertThat(alone.auditLog()).last().extracting(AuditEntry::action, AuditEntry::outcome)
                    .containsExactly("cluster.drain", "failed: no active-active cluster: this node announces no"
                            + " routes");
            assertThat(c.get("/api/status").json().get("cluster").isNull()).isTrue();
            alone.clusterChanged(); // nothing to push, and no failure
        }
    }

    @Test
    void clusterChangedPushesTheNewStatusToOpenStreams() throws Exception {
        loggedIn();
        try (AdminClient.EventStream stream = client.events()) {
            assertThat(stream.dataAfter("event: status")).contains("\"cluster\":{\"daemon\":\"bird\"");
            control.drain(); // as another operator's drain, or the node's own withdrawal, would
            server.clusterChanged();
            String data = stream.dataAfter("event: cluster");
            assertThat(data).startsWith("data: {\"daemon\":\"bird\"").contains("\"drained\":true")
                    .contains("\"state\":\"WITHDRAWN\",\"since\":\"2026-12-06T20:01:00.500Z\",\"reason\":\"DRAINED\"");
        }
    }

    @Test
    void clusterStatusChecksEveryValue() {
        List<ClusterStatus.Neighbour> one = List.of(new ClusterStatus.Neighbour("192.0.2.1", 65000));
        Map<String, Runnable> bad = new LinkedHashMap<>();
        bad.put("cluster.daemon: \" \" (expected: 1-40 characters)",
                () -> new ClusterStatus(" ", "/run/bird/bird.ctl", 65001, one, true, false, List.of()));
        bad.put("cluster.localAs: 0 (expected: 1-4294967295)",
                () -> new ClusterStatus("bird", "/run/bird/bird.ctl", 0, one, true, false, List.of()));
        bad.put("cluster.neighbours.as: 4294967296 (expected: 1-4294967295)",
                () -> new ClusterStatus.Neighbour("192.0.2.1", 4_294_967_296L));
        bad.put("cluster.neighbours.address: \"router\" (expected: an IP literal such as 192.0.2.100)",
                () -> new ClusterStatus.Neighbour("router", 65000));
        bad.put("cluster.routes.vip: \"vip.example\" (expected: an IP literal such as 192.0.2.100)",
                () -> new ClusterStatus.Route("vip.example", "ANNOUNCED", SINCE, "SERVING"));
        bad.put("cluster.routes.state: \"UP\" (expected: ANNOUNCED, WITHDRAWN or FAILED)",
                () -> new ClusterStatus.Route("192.0.2.100", "UP", SINCE, "SERVING"));
        bad.put("cluster.routes.reason: \"\" (expected: 1-200 characters, or null)",
                () -> new ClusterStatus.Route("192.0.2.100", "FAILED", SINCE, ""));
        bad.forEach((message, build) -> assertThatThrownBy(build::run).as(message)
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message));
        assertThatThrownBy(() -> AdminServer.builder().cluster(null)).isInstanceOf(NullPointerException.class);
        // Unknown since and reason are null; the caller's lists are copied.
        List<ClusterStatus.Route> routes = new ArrayList<>(List.of(new ClusterStatus.Route("192.0.2.100",
                "WITHDRAWN", null, null)));
        ClusterStatus s = new ClusterStatus("bird", "/run/bird/bird.ctl", 65001, one, false, false, routes);
        routes.clear();
        assertThat(s.routes()).hasSize(1);
        assertThat(s.routes().getFirst().announced()).isFalse();
        assertThat(ClusterView.json(s).get("routes").get(0).get("since").isNull()).isTrue();
    }
}
