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

import io.lb4j.testkit.VirtualClock;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
        assertThat(scrape.body()).contains("lb4j_real_server_state{");

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

    // ------------------------------------------------------------------------------------------------ item 7

    /** An open event stream: its lines as they come, and whether the server has ended it. */
    record Stream(int status, String body, BlockingQueue<String> lines, CompletableFuture<Void> ended) {
        boolean endsWithin(Duration d) {
            try {
                ended.get(d.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (Exception e) {
                return true; // the connection was closed under the reader
            }
        }
    }

    static Stream openStream(AdminClient c) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(c.base.resolve("/api/events/stream")).build();
        HttpResponse<java.util.stream.Stream<String>> resp = c.http.sendAsync(req,
                HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        if (resp.statusCode() != 200) {
            String body = resp.body().collect(java.util.stream.Collectors.joining("\n"));
            return new Stream(resp.statusCode(), body, lines, CompletableFuture.completedFuture(null));
        }
        Thread.ofVirtual().start(() -> {
            try {
                resp.body().forEach(lines::add);
                ended.complete(null);
            } catch (RuntimeException e) {
                ended.completeExceptionally(e);
            }
        });
        return new Stream(200, "", lines, ended);
    }

    @Test
    void eventStreamsAreCappedPerSessionAndInTotal() throws Exception {
        AdminServer server = start(builder().maxEventStreams(3, 2));
        AdminClient a = new AdminClient(server);
        AdminClient b = new AdminClient(server);
        assertThat(a.login("operator", PASSWORD).status()).isEqualTo(200);
        assertThat(b.login("operator", PASSWORD).status()).isEqualTo(200);
        assertThat(openStream(a).status()).isEqualTo(200);
        assertThat(openStream(a).status()).isEqualTo(200);
        Stream third = openStream(a);
        assertThat(third.status()).isEqualTo(429);
        assertThat(Json.MAPPER.readTree(third.body()).get("message").asText()).isEqualTo("2 event streams are open"
                + " for this session (expected: at most 2; close a page, or raise admin.maxEventStreamsPerSession)");
        assertThat(openStream(b).status()).isEqualTo(200);
        Stream fourth = openStream(b);
        assertThat(fourth.status()).isEqualTo(429);
        assertThat(Json.MAPPER.readTree(fourth.body()).get("message").asText()).isEqualTo("3 event streams are open"
                + " on this server (expected: at most 3; raise admin.maxEventStreams)");
    }

    @Test
    void anEventStreamEndsAtLogout() throws Exception {
        AdminServer server = start(builder());
        AdminClient c = new AdminClient(server);
        assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);
        Stream stream = openStream(c);
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.endsWithin(Duration.ofMillis(500))).isFalse();
        assertThat(c.post("/api/logout").status()).isEqualTo(200);
        assertThat(stream.endsWithin(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void anEventStreamEndsAtSessionExpiry() throws Exception {
        VirtualClock time = new VirtualClock(Instant.now());
        AdminServer server = start(builder().clock(TestClocks.of(time)).sessionTimeout(Duration.ofMinutes(30))
                .statusInterval(Duration.ofMillis(50)));
        AdminClient c = new AdminClient(server);
        assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);
        Stream stream = openStream(c);
        assertThat(stream.status()).isEqualTo(200);
        time.advance(Duration.ofMinutes(29)); // statuses keep flowing, but only requests keep a session alive
        assertThat(stream.endsWithin(Duration.ofMillis(500))).isFalse();
        time.advance(Duration.ofMinutes(2));
        assertThat(stream.endsWithin(Duration.ofSeconds(10))).isTrue();
        assertThat(c.get("/api/session").status()).isEqualTo(401);
    }

    @Test
    void requestsInProgressAreCappedPerSession() throws Exception {
        AdminServer server = start(builder().maxConnections(64, 3).maxEventStreams(8, 8));
        AdminClient c = new AdminClient(server);
        assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);
        assertThat(openStream(c).status()).isEqualTo(200);
        assertThat(openStream(c).status()).isEqualTo(200);
        assertThat(openStream(c).status()).isEqualTo(200);
        // Three of this session's requests are in progress (the streams): a fourth is refused, whatever it is.
        AdminClient.Reply r = c.get("/api/status");
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.json().get("message").asText()).isEqualTo("3 requests of this session are in progress"
                + " (expected: at most 3; raise admin.maxConnectionsPerSession)");
        // Another session is not affected.
        AdminClient other = new AdminClient(server);
        assertThat(other.login("operator", PASSWORD).status()).isEqualTo(200);
        assertThat(other.get("/api/status").status()).isEqualTo(200);
    }

    /** A TLS connection to the server, handshake done, trusting exactly its certificate. */
    private static SSLSocket tlsSocket(AdminServer server) throws IOException {
        SSLSocket s = (SSLSocket) AdminClient.trusting(server.certificate()).getSocketFactory()
                .createSocket("127.0.0.1", server.address().getPort());
        s.setSoTimeout(20_000);
        s.startHandshake();
        return s;
    }

    /** Whether the server closes the connection (rather than the read timing out on our side). */
    private static boolean closedByServer(SSLSocket s) {
        try {
            byte[] buf = new byte[4096];
            while (true) {
                int n = s.getInputStream().read(buf);
                if (n < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset or TLS alert: closed all the same
        }
    }

    @Test
    void aClientThatSendsItsHeadersTooSlowlyIsDisconnected() throws Exception {
        AdminServer server = start(builder().timeouts(Duration.ofMillis(500), Duration.ofSeconds(30),
                Duration.ofSeconds(30)));
        try (SSLSocket s = tlsSocket(server)) {
            OutputStream out = s.getOutputStream();
            out.write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush(); // ... and the blank line that ends the headers never comes
            long t0 = System.nanoTime();
            assertThat(closedByServer(s)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        }
        assertThat(new AdminClient(server).get("/api/health").status()).isEqualTo(200);
    }

    @Test
    void aClientThatSendsItsBodyTooSlowlyIsDisconnected() throws Exception {
        AdminServer server = start(builder().timeouts(Duration.ofSeconds(10), Duration.ofMillis(500),
                Duration.ofSeconds(30)));
        try (SSLSocket s = tlsSocket(server)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000\r\n\r\n{\"username\": ").getBytes(StandardCharsets.US_ASCII));
            out.flush(); // ... and the rest of the 1,000 bytes never comes
            assertThat(closedByServer(s)).isTrue();
        }
    }

    @Test
    void aClientThatDoesNotReadItsEventStreamIsDisconnected() throws Exception {
        AdminServer server = start(builder().statusInterval(Duration.ofMillis(1)).maxEventStreams(1, 1)
                .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofMillis(500)));
        AdminClient c = new AdminClient(server);
        assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);
        String cookie = c.http.cookieHandler().orElseThrow().get(c.base, Map.of()).get("Cookie").getFirst();
        try (SSLSocket s = (SSLSocket) AdminClient.trusting(server.certificate()).getSocketFactory().createSocket()) {
            s.setReceiveBufferSize(4096);
            s.connect(server.address());
            s.startHandshake();
            s.getOutputStream().write(("GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            // Never read: the server's writes fill the socket buffers, the next write misses its deadline, and the
            // server closes the stream, which frees the session's only stream place.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int status = 0;
            while (System.nanoTime() < deadline && (status = openStream(c).status()) != 200) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
            assertThat(status).isEqualTo(200);
        }
    }

    @Test
    void connectionsBeyondTheCapAreClosedUnanswered() throws Exception {
        AdminServer server = start(builder().maxConnections(2, 2).maxEventStreams(1, 1)
                .timeouts(Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30)));
        AdminClient c = new AdminClient(server);
        try (SSLSocket one = tlsSocket(server); SSLSocket two = tlsSocket(server)) {
            for (SSLSocket s : List.of(one, two)) {
                s.getOutputStream().write("GET /api/health HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
            // Two requests are in progress (their headers never end): a third connection is closed unanswered.
            assertThatThrownBy(() -> c.get("/api/health")).isInstanceOf(java.io.UncheckedIOException.class);
        }
        // Both ended: there is room again.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int status = 0;
        while (System.nanoTime() < deadline && status != 200) {
            try {
                status = new AdminClient(server).get("/api/health").status();
            } catch (java.io.UncheckedIOException e) {
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
        assertThat(status).isEqualTo(200);
    }

    @Test
    void builderChecksTheLimits() {
        assertThatThrownBy(() -> AdminServer.builder().maxConnections(0, 1))
                .hasMessage("admin.maxConnections: 0 (expected: 1-10000)");
        assertThatThrownBy(() -> AdminServer.builder().maxConnections(8, 9))
                .hasMessage("admin.maxConnectionsPerSession: 9 (expected: 1-8)");
        assertThatThrownBy(() -> AdminServer.builder().maxEventStreams(4, 0))
                .hasMessage("admin.maxEventStreamsPerSession: 0 (expected: 1-4)");
        assertThatThrownBy(() -> AdminServer.builder().timeouts(Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(1))).hasMessage("admin.headerReadTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> builder().maxConnections(8, 8).maxEventStreams(8, 4).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("admin.maxEventStreams: 8 (expected: fewer than admin.maxConnections, 8, so that commands"
                        + " still get through)");
    }

    // ------------------------------------------------------------------------------------------------ item 12

    @Test
    void aSelfSignedCertificateWithLessThan30DaysLeftIsRenewedAtStart(@TempDir Path dir) {
        X509Certificate first = builder().selfSignedCertificate(dir).build().certificate();
        // 800 of its 825 days later: 25 days left.
        Instant later = Instant.now().plus(Duration.ofDays(800));
        X509Certificate renewed = builder().selfSignedCertificate(dir).clock(Clock.fixed(later, ZoneOffset.UTC))
                .build().certificate();
        assertThat(renewed).isNotEqualTo(first);
        assertThat(renewed.getNotBefore().toInstant()).isBefore(later);
        assertThat(renewed.getNotAfter().toInstant()).isAfter(later.plus(Duration.ofDays(824)));
        // And kept: the next start, at the same time, reuses the renewed one.
        assertThat(builder().selfSignedCertificate(dir).clock(Clock.fixed(later, ZoneOffset.UTC)).build()
                .certificate()).isEqualTo(renewed);
    }

    @Test
    void theCertificateIsCheckedDailyAndTheRenewedOneIsServedAtOnce(@TempDir Path dir) {
        VirtualClock time = new VirtualClock(Instant.now());
        AdminServer server = start(builder().selfSignedCertificate(dir).clock(TestClocks.of(time)));
        X509Certificate first = server.certificate();
        assertThat(server.checkCertificate()).isFalse(); // 825 days left: nothing to do
        time.advance(Duration.ofDays(796));
        assertThat(server.checkCertificate()).isTrue();
        X509Certificate renewed = server.certificate();
        assertThat(renewed).isNotEqualTo(first);
        // A client that trusts only the new certificate connects: the running server presents it.
        assertThat(new AdminClient(server).get("/api/health").status()).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------------ item 13

    @Test
    void aKeyStorePasswordFileReadableByOthersIsRefusedWithTheChmodThatFixesIt(@TempDir Path dir) throws Exception {
        X509Certificate own = builder().selfSignedCertificate(dir).build().certificate();
        Path store = dir.resolve(TlsMaterial.STORE_FILE);
        Path passwordFile = dir.resolve("admin.p12.password");
        Files.copy(dir.resolve(TlsMaterial.PASSWORD_FILE), passwordFile);
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> AdminServer.builder().balancer(lb).users(List.of(operator))
                .keyStore(store, passwordFile).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("admin.tls.keyStorePasswordFile: " + passwordFile + " is readable by group and others"
                        + " (mode 0644; expected: readable by its owner only: chmod 600 " + passwordFile + ")");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        assertThat(AdminServer.builder().balancer(lb).users(List.of(operator)).keyStore(store, passwordFile).build()
                .certificate()).isEqualTo(own);
    }

    @Test
    void aSelfSignedStoresPasswordFileReadableByOthersIsRefused(@TempDir Path dir) throws Exception {
        builder().selfSignedCertificate(dir).build();
        Path passwordFile = dir.resolve(TlsMaterial.PASSWORD_FILE);
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-r-----"));
        assertThatThrownBy(() -> builder().selfSignedCertificate(dir).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("admin.tls.selfSignedDirectory: " + passwordFile + " is readable by group (mode 0640;"
                        + " expected: readable by its owner only: chmod 600 " + passwordFile + ")");
    }
}
