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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The clustered pair view: {@code GET /api/pair}, the status's {@code pair} field, the {@code event: pair} pushed by
 * {@link AdminServer#pairChanged()}, a failing supplier, and {@link PairStatus}'s checks. One server whose supplier
 * the tests switch; its periodic status is an hour apart, so a pair update seen on the stream can only be the push.
 */
class PairStatusApiTest {

    private static final String PASSWORD = "pair-view-password";
    private static final Instant SINCE = Instant.parse("2026-11-26T15:40:01.250Z");
    private static final PairStatus MASTER = new PairStatus("MASTER", 51, 150, List.of("192.0.2.100"), "primary",
            "192.0.2.2", SINCE, "MASTER_DOWN");

    @TempDir
    static Path tls;

    private static LbTestKit kit;
    private static AdminServer server;
    private static final AtomicReference<Supplier<Optional<PairStatus>>> SUPPLIER = new AtomicReference<>();
    private AdminClient client;

    @BeforeAll
    static void startServer() {
        kit = LbTestKit.create();
        LoadBalancer lb = kit.start(AdminApiTest.pacs());
        server = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(tls).loginAttempts(100, Duration.ofMinutes(1))
                .statusInterval(Duration.ofHours(1))
                .pairStatus(() -> SUPPLIER.get().get())
                .build().start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
        kit.close();
    }

    @BeforeEach
    void newClient() {
        SUPPLIER.set(() -> Optional.of(MASTER));
        client = new AdminClient(server);
    }

    private AdminClient loggedIn() {
        assertThat(client.login("operator", PASSWORD).status()).isEqualTo(200);
        return client;
    }

    @Test
    void pairNeedsASessionAndIsReadOnly() {
        AdminClient.Reply anonymous = client.get("/api/pair");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.json().get("error").asText()).isEqualTo("unauthorized");
        loggedIn();
        assertThat(client.post("/api/pair").status()).isEqualTo(405);
        assertThat(client.get("/api/pair/state").status()).isEqualTo(404);
    }

    @Test
    void pairShowsTheSuppliedStatus() {
        AdminClient.Reply r = loggedIn().get("/api/pair");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().toString()).isEqualTo("{\"state\":\"MASTER\",\"vrid\":51,\"priority\":150,"
                + "\"virtualAddresses\":[\"192.0.2.100\"],\"role\":\"primary\",\"peer\":\"192.0.2.2\","
                + "\"since\":\"2026-11-26T15:40:01.250Z\",\"reason\":\"MASTER_DOWN\",\"links\":[]}");
        // The same object in the status, next to the services.
        JsonNode status = client.get("/api/status").json();
        assertThat(status.get("pair")).isEqualTo(r.json());
        assertThat(status.get("services").get(0).get("label").asText()).isEqualTo("PACS");
    }

    @Test
    void pairShowsEachReplicationLinkAndWhetherItIsAnError() {
        Instant at = SINCE.plusSeconds(5);
        List<PairStatus.Link> two = List.of(
                new PairStatus.Link("CONFIG_PUBLISHER", "192.0.2.2:7790", "STALE", at,
                        "the secondary holds 42:1, newer than this primary's 1:1"),
                new PairStatus.Link("FLOW_SYNC_IN", "192.0.2.2", "OK", SINCE, "receiving from 192.0.2.2:40000"));
        SUPPLIER.set(() -> Optional.of(MASTER.withLinks(two)));

        JsonNode links = loggedIn().get("/api/pair").json().get("links");

        assertThat(links.toString()).isEqualTo("[{\"channel\":\"CONFIG_PUBLISHER\",\"peer\":\"192.0.2.2:7790\","
                + "\"state\":\"STALE\",\"since\":\"2026-11-26T15:40:06.250Z\","
                + "\"detail\":\"the secondary holds 42:1, newer than this primary's 1:1\",\"error\":true},"
                + "{\"channel\":\"FLOW_SYNC_IN\",\"peer\":\"192.0.2.2\",\"state\":\"OK\","
                + "\"since\":\"2026-11-26T15:40:01.250Z\",\"detail\":\"receiving from 192.0.2.2:40000\","
                + "\"error\":false}]");
        assertThat(client.get("/api/status").json().get("pair").get("links")).isEqualTo(links);
        // A VRRP transition keeps the links.
        assertThat(MASTER.withLinks(two).withState("BACKUP", at, "HIGHER_PRIORITY_SEEN").links()).isEqualTo(two);
    }

    @Test
    void unknownValuesAreNullAndAnEmptySupplierMeansNoPair() {
        loggedIn();
        SUPPLIER.set(() -> Optional.of(new PairStatus("INITIALIZE", 7, 100, List.of("192.0.2.100", "2001:db8::1"),
                null, null, null, null)));
        JsonNode p = client.get("/api/pair").json();
        assertThat(p.get("state").asText()).isEqualTo("INITIALIZE");
        assertThat(p.get("virtualAddresses").toString()).isEqualTo("[\"192.0.2.100\",\"2001:db8::1\"]");
        assertThat(List.of(p.get("role"), p.get("peer"), p.get("since"), p.get("reason")))
                .allSatisfy(n -> assertThat(n.isNull()).isTrue());

        SUPPLIER.set(Optional::empty);
        assertThat(client.get("/api/pair").status()).isEqualTo(404);
        assertThat(client.get("/api/status").json().get("pair").isNull()).isTrue();
    }

    @Test
    void aFailingSupplierDoesNotFailTheStatus() {
        loggedIn();
        SUPPLIER.set(() -> {
            throw new IllegalStateException("vrrp gone");
        });
        AdminClient.Reply pair = client.get("/api/pair");
        assertThat(pair.status()).isEqualTo(500);
        assertThat(pair.json().get("error").asText()).isEqualTo("pair_unavailable");
        assertThat(pair.json().get("message").asText())
                .isEqualTo("pair status unavailable: IllegalStateException: vrrp gone");
        AdminClient.Reply status = client.get("/api/status");
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.json().get("pair").get("error").asText()).contains("vrrp gone");

        SUPPLIER.set(() -> null);
        assertThat(client.get("/api/pair").json().get("message").asText())
                .isEqualTo("pair status unavailable: the supplier returned null");
        assertThat(client.get("/api/status").status()).isEqualTo(200);
    }

    @Test
    void pairChangedPushesTheNewStatusToOpenStreams() throws Exception {
        loggedIn();
        try (AdminClient.EventStream stream = client.events()) {
            // The first status, on connect, carries the pair as it is.
            assertThat(stream.dataAfter("event: status")).contains("\"pair\":{\"state\":\"MASTER\"");

            Instant later = SINCE.plusSeconds(60);
            SUPPLIER.set(() -> Optional.of(MASTER.withState("BACKUP", later, "HIGHER_PRIORITY_SEEN")));
            server.pairChanged();
            assertThat(stream.dataAfter("event: pair")).isEqualTo("data: {\"state\":\"BACKUP\",\"vrid\":51,"
                    + "\"priority\":150,\"virtualAddresses\":[\"192.0.2.100\"],\"role\":\"primary\","
                    + "\"peer\":\"192.0.2.2\",\"since\":\"2026-11-26T15:41:01.250Z\","
                    + "\"reason\":\"HIGHER_PRIORITY_SEEN\",\"links\":[]}");

            SUPPLIER.set(Optional::empty);
            server.pairChanged();
            assertThat(stream.dataAfter("event: pair")).isEqualTo("data: null");
        }
    }

    @Test
    void pairStatusChecksEveryValue() {
        Map<String, Runnable> bad = new java.util.LinkedHashMap<>();
        bad.put("pair.state: \"master\" (expected: MASTER, BACKUP, FAULT or INITIALIZE)",
                () -> MASTER.withState("master", null, null));
        bad.put("pair.vrid: 0 (expected: 1-255)",
                () -> new PairStatus("MASTER", 0, 150, List.of("192.0.2.100"), null, null, null, null));
        bad.put("pair.priority: 256 (expected: 1-255)",
                () -> new PairStatus("MASTER", 51, 256, List.of("192.0.2.100"), null, null, null, null));
        bad.put("pair.virtualAddresses: [] (expected: at least one IP literal)",
                () -> new PairStatus("MASTER", 51, 150, List.of(), null, null, null, null));
        bad.put("pair.virtualAddresses[1]: \"vip.example\" (expected: an IP literal such as 192.0.2.100)",
                () -> new PairStatus("MASTER", 51, 150, List.of("192.0.2.100", "vip.example"), null, null, null,
                        null));
        bad.put("pair.role: \"leader\" (expected: primary, secondary or null)",
                () -> new PairStatus("MASTER", 51, 150, List.of("192.0.2.100"), "leader", null, null, null));
        bad.put("pair.peer: \"peer\" (expected: an IP literal such as 192.0.2.100)",
                () -> new PairStatus("MASTER", 51, 150, List.of("192.0.2.100"), null, "peer", null, null));
        bad.put("pair.reason: \" \" (expected: 1-200 characters, or null)",
                () -> MASTER.withState("BACKUP", SINCE, " "));
        bad.put("pair.links.state: \"DOWN\" (expected: STARTING, OK, UNREACHABLE, STALE, REFUSING or INVALID)",
                () -> new PairStatus.Link("FLOW_SYNC_OUT", "192.0.2.2:7791", "DOWN", SINCE, ""));
        bad.put("pair.links.channel: \" \" (expected: 1-40 characters)",
                () -> new PairStatus.Link(" ", "192.0.2.2:7791", "OK", SINCE, ""));
        bad.put("pair.links.detail: 1001 characters (expected: at most 1000)",
                () -> new PairStatus.Link("FLOW_SYNC_OUT", "192.0.2.2:7791", "OK", SINCE, "x".repeat(1001)));
        bad.forEach((message, build) -> assertThatThrownBy(build::run).as(message)
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message));
        assertThatThrownBy(() -> AdminServer.builder().pairStatus(null)).isInstanceOf(NullPointerException.class);
        // Immutable: the caller's list is copied.
        List<String> vips = new java.util.ArrayList<>(List.of("192.0.2.100"));
        PairStatus p = new PairStatus("BACKUP", 51, 100, vips, "secondary", "192.0.2.1", SINCE, "STARTUP");
        vips.add("192.0.2.101");
        assertThat(p.virtualAddresses()).containsExactly("192.0.2.100");
    }
}
