package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RealServerState;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.PortCheck;
import io.lb4j.engine.proxy.ProxyEngine;
import io.lb4j.testkit.LbTestKit;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The REST API over real HTTPS on loopback, against a balancer on the test kit's simulated engine (no VIP sockets
 * needed: the API is what is under test). One server for the class, since each login costs a PBKDF2 hash; tests
 * that need their own limits start their own, and the one about forwarded bytes its own proxy balancer on loopback.
 */
class AdminApiTest {

    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    static Path tls;

    private static LbTestKit kit;
    private static LoadBalancer lb;
    private static AdminServer server;
    private static SimpleMeterRegistry registry;
    private AdminClient client;

    static VirtualService pacs() {
        return VirtualService.proxy().label("PACS").address("192.0.2.100").ports(104, 8080)
                .real("PrimaryCluster", "192.0.2.110", r -> r.weight(100))
                .fallback("192.0.2.120")
                .healthCheck(HealthCheck.none())
                .build();
    }

    @BeforeAll
    static void startServer() {
        kit = LbTestKit.create();
        lb = kit.start(pacs());
        registry = new SimpleMeterRegistry();
        server = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(tls)
                .loginAttempts(100, Duration.ofMinutes(1))
                .loginAttemptsPerUser(100, Duration.ofMinutes(1))
                .meterRegistry(registry)
                .build().start();
    }

    @AfterAll
    static void stopServer() {
        server.stop();
        kit.close();
    }

    @BeforeEach
    void newClient() {
        lb.reconfigure(List.of(pacs()));
        lb.online("PACS", "PrimaryCluster");
        client = new AdminClient(server);
    }

    private AdminClient loggedIn() {
        assertThat(client.login("operator", PASSWORD).status()).isEqualTo(200);
        return client;
    }

    // ------------------------------------------------------------------------------------------------ TLS

    @Test
    void generatesASelfSignedCertificateOnceAndKeepsIt() throws Exception {
        assertThat(tls.resolve(TlsMaterial.STORE_FILE)).exists();
        assertThat(Files.getPosixFilePermissions(tls.resolve(TlsMaterial.PASSWORD_FILE)).toString())
                .isEqualTo("[OWNER_READ, OWNER_WRITE]");
        // A second server on the same directory presents the same certificate: nothing is regenerated.
        AdminServer again = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("x", "y".toCharArray()))).selfSignedCertificate(tls).build();
        assertThat(again.certificate()).isEqualTo(server.certificate());
        assertThat(server.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=lb4j admin");
    }

    @Test
    void plainHttpToTheTlsPortGetsNoHttpAnswer() throws Exception {
        // A browser's plain request: the server only speaks TLS, so no HTTP status line ever comes back.
        try (Socket s = new Socket()) {
            s.connect(server.address(), 2000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] reply = readUpTo(s.getInputStream(), 64);
            assertThat(new String(reply, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/");
        }
        // And Java's own HTTP client over http:// fails rather than getting a response.
        HttpClient plain = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.address().getPort()
                + "/api/health")).timeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> plain.send(req, HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    private static byte[] readUpTo(InputStream in, int max) {
        byte[] buf = new byte[max];
        int n = 0;
        try {
            for (int r; n < max && (r = in.read(buf, n, max - n)) > 0; ) {
                n += r;
            }
        } catch (IOException e) {
            // reset by the server: no HTTP answer either
        }
        return java.util.Arrays.copyOf(buf, n);
    }

    // ------------------------------------------------------------------------------------------------ login

    @Test
    void healthNeedsNoLogin() {
        AdminClient.Reply r = client.get("/api/health");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("UP");
    }

    @Test
    void everyOtherEndpointNeedsASession() {
        for (String path : List.of("/api/status", "/api/config", "/api/events", "/api/events/stream", "/api/audit",
                "/api/session", "/api/services/PACS", "/api/pair", "/metrics")) {
            AdminClient.Reply r = client.get(path);
            assertThat(r.status()).as(path).isEqualTo(401);
            assertThat(r.json().get("error").asText()).as(path).isEqualTo("unauthorized");
        }
    }

    @Test
    void loginSetsASecureHttpOnlyStrictCookieAndReturnsTheCsrfToken() {
        AdminClient.Reply r = client.login("operator", PASSWORD);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("user").asText()).isEqualTo("operator");
        assertThat(r.json().get("csrfToken").asText()).hasSizeGreaterThan(40);
        String cookie = r.header("Set-Cookie");
        assertThat(cookie).startsWith("lb4j_session=").contains("; Secure").contains("; HttpOnly")
                .contains("; SameSite=Strict").contains("; Path=/");
        assertThat(client.get("/api/session").json().get("csrfToken").asText()).isEqualTo(client.csrf);
    }

    @Test
    void wrongPasswordAndUnknownUserAreRefusedAlikeAndAudited() {
        AdminClient.Reply wrong = client.login("operator", "guess");
        AdminClient.Reply unknown = client.login("mallory", "guess");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(wrong.json().get("message").asText()).isEqualTo("wrong user name or password");
        assertThat(unknown.json()).isEqualTo(wrong.json());
        // Failures of callers who are not logged in are aggregated per source, action and outcome each minute.
        assertThat(server.auditLog()).anySatisfy(e -> {
            assertThat(e.user().split(", ")).contains("operator", "mallory");
            assertThat(e.action()).isEqualTo("login");
            assertThat(e.outcome()).isEqualTo("denied: wrong user name or password");
            assertThat(e.remote()).isEqualTo("127.0.0.1");
        });
        assertThat(server.auditLog().toString()).doesNotContain("guess");
    }

    @Test
    void loginWithBadJsonIs400() {
        AdminClient.Reply r = client.send("POST", "/api/login", "{\"username\": ", Map.of());
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("bad_json");
        assertThat(client.send("POST", "/api/login", "{\"user\": \"x\"}", Map.of()).status()).isEqualTo(400);
    }

    @Test
    void tooManyLoginsFromOneAddressAre429WithRetryAfter(@TempDir Path dir) {
        try (AdminServer strict = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(dir).loginAttempts(2, Duration.ofHours(1)).build().start()) {
            AdminClient c = new AdminClient(strict);
            assertThat(c.login("operator", "wrong").status()).isEqualTo(401);
            assertThat(c.login("operator", "wrong").status()).isEqualTo(401);
            // The third attempt is refused before the password is even checked, right or wrong.
            AdminClient.Reply limited = c.login("operator", PASSWORD);
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.json().get("error").asText()).isEqualTo("too_many_requests");
            assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 1800L);
            assertThat(strict.auditLog().getLast().outcome()).isEqualTo("denied: too many attempts from 127.0.0.1");
        }
    }

    @Test
    void logoutEndsTheSession() {
        loggedIn();
        assertThat(client.post("/api/logout").status()).isEqualTo(200);
        assertThat(client.get("/api/status").status()).isEqualTo(401);
    }

    // ------------------------------------------------------------------------------------------------ status

    @Test
    void statusListsEveryServiceAndRealServer() {
        JsonNode s = loggedIn().get("/api/status").json();
        assertThat(s.get("running").asBoolean()).isTrue();
        JsonNode pacs = s.get("services").get(0);
        assertThat(pacs.get("label").asText()).isEqualTo("PACS");
        assertThat(pacs.get("address").asText()).isEqualTo("192.0.2.100");
        assertThat(pacs.get("ports").toString()).isEqualTo("[104,8080]");
        assertThat(pacs.get("protocol").asText()).isEqualTo("TCP");
        assertThat(pacs.get("method").asText()).isEqualTo("proxy");
        assertThat(pacs.get("onFallback").asBoolean()).isFalse();
        assertThat(pacs.get("fallback").get("address").asText()).isEqualTo("192.0.2.120");
        JsonNode primary = pacs.get("realServers").get(0);
        assertThat(primary.get("label").asText()).isEqualTo("PrimaryCluster");
        assertThat(primary.get("address").asText()).isEqualTo("192.0.2.110");
        assertThat(primary.get("weight").asInt()).isEqualTo(100);
        assertThat(primary.get("effectiveWeight").asInt()).isEqualTo(100);   // no agent: as configured
        assertThat(primary.get("state").asText()).isEqualTo("UP");
        assertThat(primary.get("activeConnections").asInt()).isZero();
        assertThat(primary.has("lastCheck")).isTrue();
        // The simulated engine moves no bytes and the service has no health check: the counts are there, at zero.
        assertThat(primary.get("bytesToServer").asLong()).isZero();
        assertThat(primary.get("bytesToClient").asLong()).isZero();
        assertThat(primary.get("checkAttempts").asLong()).isZero();
        assertThat(primary.get("checkTime").asText()).isEqualTo("PT0S");

        assertThat(client.get("/api/services/PACS").json().get("label").asText()).isEqualTo("PACS");
    }

    @Test
    void statusCarriesTheBytesAndHealthChecksOfARealServer(@TempDir Path dir) throws Exception {
        // A real proxy balancer on loopback: 10,000 bytes echoed through it after the server's 8-byte greeting, and a
        // connect check whose first attempt runs at start and whose next is an hour away, so exactly one finishes.
        byte[] greeting = "primary\n".getBytes(StandardCharsets.US_ASCII);
        byte[] payload = new byte[10_000];
        new SplittableRandom(7).nextBytes(payload);
        Duration timeout = Duration.ofSeconds(2);
        int vipPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            vipPort = free.getLocalPort();
        }
        try (TestServer echo = TestServer.start(InetAddress.ofLiteral("127.0.0.2"), 0,
                Handler.greet("primary").then(Handler.echo()))) {
            LoadBalancer real = LoadBalancer.builder().engine(ProxyEngine.builder().ioThreads(1).build())
                    .service(VirtualService.proxy().label("ECHO").address("127.0.0.1").ports(vipPort)
                            .real("main", "127.0.0.2", r -> r.port(echo.port()))
                            .healthCheck(HealthCheck.connect().interval(Duration.ofHours(1)).timeout(timeout))
                            .build())
                    .build();
            real.start();
            try (AdminServer admin = AdminServer.builder().balancer(real).bind("127.0.0.1", 0)
                    .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                    .selfSignedCertificate(dir).build().start();
                 SocketChannel connection = SocketChannel.open(new InetSocketAddress("127.0.0.1", vipPort))) {
                assertThat(readFully(connection, greeting.length)).isEqualTo(greeting);
                TestServer.writeFully(connection, ByteBuffer.wrap(payload));
                assertThat(readFully(connection, payload.length)).as("the echo").isEqualTo(payload);
                AdminClient c = new AdminClient(admin);
                assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);

                JsonNode main = realServerOnceChecked(c);

                assertThat(main.get("bytesToServer").asLong()).isEqualTo(10_000);
                assertThat(main.get("bytesToClient").asLong()).isEqualTo(10_008);    // greeting + echo
                assertThat(main.get("checkAttempts").asLong()).isEqualTo(1);
                assertThat(main.get("lastCheck").asText()).isEqualTo("ok");
                assertThat(Duration.parse(main.get("checkTime").asText())).isPositive().isLessThan(timeout);
            } finally {
                real.stop(Duration.ZERO);
            }
        }
    }

    @Test
    void statusCarriesEachPortOfTheLastConnectCheck(@TempDir Path dir) throws Exception {
        // A connect check on three ports of a real server on loopback, every 300 ms: first all three listen, then
        // the third closes. The status shows the last attempt per port, with each connect's latency.
        InetAddress host = InetAddress.ofLiteral("127.0.0.2");
        Duration timeout = Duration.ofMillis(300);
        try (ServerSocket a = new ServerSocket(0, 50, host); ServerSocket b = new ServerSocket(0, 50, host)) {
            ServerSocket third = new ServerSocket(0, 50, host);
            int closing = third.getLocalPort();
            int[] ports = {a.getLocalPort(), b.getLocalPort(), closing};
            LoadBalancer real = LoadBalancer.builder().engine(ProxyEngine.builder().ioThreads(1).build())
                    .service(VirtualService.proxy().label("ECHO").address("127.0.0.1").ports(a.getLocalPort())
                            .real("main", "127.0.0.2", r -> r.port(a.getLocalPort()))
                            .healthCheck(HealthCheck.connect().ports(ports).interval(Duration.ofMillis(300))
                                    .timeout(timeout))
                            .build())
                    .build();
            real.start();
            try (AdminServer admin = AdminServer.builder().balancer(real).bind("127.0.0.1", 0)
                    .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                    .selfSignedCertificate(dir).build().start()) {
                AdminClient c = new AdminClient(admin);
                assertThat(c.login("operator", PASSWORD).status()).isEqualTo(200);

                // All three accept: each listed, in the check's order, ok, with a loopback connect's latency.
                JsonNode main = realServerOnceChecked(c);
                assertThat(main.get("lastCheck").asText()).isEqualTo("ok");
                JsonNode all = main.get("lastCheckPorts");
                assertThat(all).hasSize(3);
                for (int i = 0; i < 3; i++) {
                    JsonNode p = all.get(i);
                    assertThat(p.get("port").asInt()).as("port %d in the check's order", i).isEqualTo(ports[i]);
                    assertThat(p.get("ok").asBoolean()).isTrue();
                    assertThat(p.get("reason").asText()).isEqualTo("ok");
                    assertThat(p.get("latencyMs").asDouble()).as("a loopback connect's latency")
                            .isGreaterThan(0).isLessThan(timeout.toMillis());
                }
                // The Java status says the same, with the latency as a Duration.
                List<PortCheck> status = real.status().services().getFirst().realServers().getFirst()
                        .lastCheckPorts();
                assertThat(status).extracting(PortCheck::port).containsExactly(ports[0], ports[1], ports[2]);
                assertThat(status).allSatisfy(p -> assertThat(p.latency()).isPositive().isLessThan(timeout));

                // The third port closes: the next attempt names it, refused, with its latency. (A refused port
                // decides the attempt at once; the others are listed when they had answered by then, as ok.)
                third.close();
                JsonNode failed = realServerWhere(c, r -> !r.get("lastCheck").asText().equals("ok"));
                assertThat(failed.get("lastCheck").asText()).isEqualTo("port " + closing + ": connection refused");
                JsonNode refused = null;
                for (JsonNode p : failed.get("lastCheckPorts")) {
                    if (p.get("port").asInt() == closing) {
                        refused = p;
                    } else {
                        assertThat(p.get("ok").asBoolean()).as("port %s", p.get("port")).isTrue();
                    }
                }
                assertThat(refused).as("the closed port listed").isNotNull();
                assertThat(refused.get("ok").asBoolean()).isFalse();
                assertThat(refused.get("reason").asText()).isEqualTo("connection refused");
                assertThat(refused.get("latencyMs").asDouble()).isGreaterThan(0).isLessThan(timeout.toMillis());
            } finally {
                real.stop(Duration.ZERO);
                third.close();
            }
        }
    }

    /** ECHO's real server in {@code GET /api/status} once {@code condition} holds (or after 10 s, as it is then). */
    private static JsonNode realServerWhere(AdminClient c, java.util.function.Predicate<JsonNode> condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            JsonNode main = c.get("/api/status").json().get("services").get(0).get("realServers").get(0);
            if (condition.test(main) || System.nanoTime() > deadline) {
                return main;
            }
            Thread.sleep(20); // polling interval of a deadline loop, not a wait for state
        }
    }

    /** ECHO's real server in {@code GET /api/status}, once its first health check has finished. */
    private static JsonNode realServerOnceChecked(AdminClient c) throws InterruptedException {
        return realServerWhere(c, r -> r.get("checkAttempts").asLong() > 0);
    }

    private static byte[] readFully(SocketChannel channel, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (channel.read(buf) < 0) {
                throw new EOFException("closed after " + buf.position() + " of " + n + " bytes");
            }
        }
        return buf.array();
    }

    @Test
    void aNodeWithoutAPairShowsPairNullAndPairIs404() {
        loggedIn();
        JsonNode status = client.get("/api/status").json();
        assertThat(status.has("pair")).isTrue();
        assertThat(status.get("pair").isNull()).isTrue();
        AdminClient.Reply pair = client.get("/api/pair");
        assertThat(pair.status()).isEqualTo(404);
        assertThat(pair.json().get("message").asText()).isEqualTo("no clustered pair: this node runs alone");
        server.pairChanged(); // no pair, no stream: nothing to do, and nothing fails
    }

    @Test
    void unknownServiceIs404WithTheBalancersMessage() {
        AdminClient.Reply r = loggedIn().get("/api/services/RIS");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("message").asText()).isEqualTo("no service \"RIS\"");
    }

    @Test
    void unknownPathsAre404AndWrongMethodsAre405() {
        loggedIn();
        assertThat(client.get("/api/nothing").status()).isEqualTo(404);
        assertThat(client.get("/nothing.html").status()).isEqualTo(404);
        AdminClient.Reply r = client.send("DELETE", "/api/status", null, Map.of());
        assertThat(r.status()).isEqualTo(405);
    }

    // ------------------------------------------------------------------------------------------------ commands

    @Test
    void haltDrainOnlineChangeTheServerAndAreAudited() {
        loggedIn();
        AdminClient.Reply halted = client.post("/api/services/PACS/real-servers/PrimaryCluster/halt");
        assertThat(halted.status()).isEqualTo(200);
        assertThat(halted.json().get("realServer").get("state").asText()).isEqualTo("HALTED");
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").state()).isEqualTo(RealServerState.HALTED);
        assertThat(lb.status().service("PACS").onFallback()).isTrue();

        assertThat(client.post("/api/services/PACS/real-servers/PrimaryCluster/online").json()
                .get("realServer").get("state").asText()).isEqualTo("UP");
        assertThat(client.post("/api/services/PACS/real-servers/PrimaryCluster/drain").json()
                .get("realServer").get("state").asText()).isEqualTo("DRAINING");

        List<AuditEntry> audit = server.auditLog();
        assertThat(audit.subList(audit.size() - 3, audit.size())).extracting(AuditEntry::user, AuditEntry::action,
                        AuditEntry::target, AuditEntry::outcome)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("operator", "halt", "PACS/PrimaryCluster", "ok"),
                        org.assertj.core.groups.Tuple.tuple("operator", "online", "PACS/PrimaryCluster", "ok"),
                        org.assertj.core.groups.Tuple.tuple("operator", "drain", "PACS/PrimaryCluster", "ok"));
        assertThat(audit.getLast().at()).isBetween(java.time.Instant.now().minusSeconds(60), java.time.Instant.now());
        JsonNode viaApi = client.get("/api/audit").json().get("entries");
        assertThat(viaApi.get(viaApi.size() - 1).get("action").asText()).isEqualTo("drain");
    }

    @Test
    void commandsOnUnknownServiceOrServerAre404() {
        loggedIn();
        AdminClient.Reply noService = client.post("/api/services/RIS/real-servers/PrimaryCluster/halt");
        assertThat(noService.status()).isEqualTo(404);
        assertThat(noService.json().get("message").asText()).contains("RIS");
        AdminClient.Reply noServer = client.post("/api/services/PACS/real-servers/Nobody/halt");
        assertThat(noServer.status()).isEqualTo(404);
        assertThat(noServer.json().get("message").asText()).contains("Nobody");
        assertThat(server.auditLog().getLast().outcome()).startsWith("failed: ").contains("Nobody");
        assertThat(client.post("/api/services/PACS/real-servers/PrimaryCluster/explode").status()).isEqualTo(404);
    }

    @Test
    void mutatingCallsWithoutTheCsrfTokenAre403AndChangeNothing() {
        loggedIn();
        AdminClient.Reply none = client.send("POST", "/api/services/PACS/real-servers/PrimaryCluster/halt", "", Map.of());
        AdminClient.Reply wrong = client.send("POST", "/api/services/PACS/real-servers/PrimaryCluster/halt", "",
                Map.of("X-CSRF-Token", "not-the-token"));
        AdminClient.Reply put = client.send("PUT", "/api/config", client.get("/api/config").body(), Map.of());
        assertThat(List.of(none.status(), wrong.status(), put.status())).containsOnly(403);
        assertThat(none.json().get("error").asText()).isEqualTo("csrf");
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").state()).isEqualTo(RealServerState.UP);
        assertThat(server.auditLog().getLast().outcome()).isEqualTo("denied: missing or wrong CSRF token");
    }

    @Test
    void mutatingCallsWithoutASessionAre401AndAudited() {
        AdminClient.Reply r = client.send("POST", "/api/services/PACS/real-servers/PrimaryCluster/halt", "",
                Map.of("X-CSRF-Token", "anything"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(server.auditLog()).extracting(AuditEntry::action, AuditEntry::outcome)
                .contains(org.assertj.core.groups.Tuple.tuple("halt", "denied: not logged in"));
    }

    // ------------------------------------------------------------------------------------------------ config

    @Test
    void configReadsAndReplacesAtomically() {
        loggedIn();
        AdminClient.Reply got = client.get("/api/config");
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.header("Content-Type")).startsWith("application/json");
        JsonNode config = got.json();
        assertThat(config.get("services").get(0).get("realServers").get(0).get("weight").asInt()).isEqualTo(100);

        String changed = got.body().replace("\"weight\" : 100", "\"weight\" : 40");
        AdminClient.Reply put = client.put("/api/config", changed);
        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(lb.services().getFirst().realServers().getFirst().weight()).isEqualTo(40);
        assertThat(put.json().get("services").get(0).get("realServers").get(0).get("weight").asInt()).isEqualTo(40);
        assertThat(server.auditLog().getLast()).extracting(AuditEntry::action, AuditEntry::outcome)
                .containsExactly("config.replace", "ok");
    }

    @Test
    void invalidConfigIs400WithThePathAndTheBuildersMessageAndChangesNothing() {
        loggedIn();
        String body = client.get("/api/config").body().replace("\"weight\" : 100", "\"weight\" : 70000");
        AdminClient.Reply r = client.put("/api/config", body);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).isEqualTo("invalid_config");
        assertThat(r.json().get("path").asText()).isEqualTo("/services/0/realServers/0/weight");
        assertThat(r.json().get("message").asText()).isEqualTo(
                "realServer[PrimaryCluster].weight: 70000 (expected: 0-65535)");
        assertThat(lb.services()).containsExactly(pacs());
        assertThat(server.auditLog().getLast().outcome()).startsWith("failed: realServer[PrimaryCluster].weight");
    }

    @Test
    void configWithAPerPortCompositeCheckComesBackAsItWasPut() {
        VirtualService perPort = pacs().toBuilder().healthCheck(HealthCheck.allOf(CompositeProbe
                .on(DicomEchoProbe.of("LB4J", "MERGEPACS"), 104).and(HttpProbe.get("/"), 8080)).failAfter(10)).build();
        lb.reconfigure(List.of(perPort));
        loggedIn();

        AdminClient.Reply put = client.put("/api/config", client.get("/api/config").body());

        assertThat(put.status()).as(put.body()).isEqualTo(200);
        assertThat(lb.services()).containsExactly(perPort);
        assertThat(client.get("/api/config").json().get("services").get(0).get("healthCheck").get("type").asText())
                .isEqualTo("all-of");
    }

    @Test
    void configThatIsNotJsonIs400() {
        loggedIn();
        AdminClient.Reply r = client.put("/api/config", "{\"services\": [");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("message").asText()).startsWith("not valid JSON");
        assertThat(r.json().get("path").asText()).startsWith("line 1, column");
    }

    // ------------------------------------------------------------------------------------------------ events

    @Test
    void eventHistoryIsBoundedByLimit() {
        loggedIn();
        client.post("/api/services/PACS/real-servers/PrimaryCluster/halt");
        client.post("/api/services/PACS/real-servers/PrimaryCluster/online");
        JsonNode events = client.get("/api/events?limit=2").json().get("events");
        assertThat(events.size()).isEqualTo(2);
        assertThat(events.get(1).get("type").asText()).isIn("Online", "FailedBack");
        assertThat(client.get("/api/events?limit=0").status()).isEqualTo(400);
        JsonNode all = client.get("/api/events").json().get("events");
        assertThat(all.findValuesAsText("type")).contains("Halted", "FailedOver", "Online", "FailedBack");
    }

    @Test
    void eventStreamDeliversStatusAndLiveEvents() throws Exception {
        loggedIn();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpRequest req = HttpRequest.newBuilder(client.base.resolve("/api/events/stream")).build();
        CompletableFuture<HttpResponse<Stream<String>>> f = client.http.sendAsync(req,
                HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> resp = f.get(10, TimeUnit.SECONDS);
        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                resp.body().forEach(lines::add);
            } catch (RuntimeException e) {
                // closed at the end of the test
            }
        });
        try {
            assertThat(nextLineStartingWith(lines, "event: status")).isNotNull();
            client.post("/api/services/PACS/real-servers/PrimaryCluster/halt");
            String data = null;
            for (String line; (line = nextLineStartingWith(lines, "data: ")) != null; ) {
                if (line.contains("\"type\":\"Halted\"")) {
                    data = line;
                    break;
                }
            }
            assertThat(data).contains("\"service\":\"PACS\"").contains("\"realServer\":\"PrimaryCluster\"");
        } finally {
            resp.body().close();
            reader.interrupt();
        }
    }

    private static String nextLineStartingWith(BlockingQueue<String> lines, String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ page, metrics

    @Test
    void servesTheSystemOverviewPageWithAStrictContentSecurityPolicy() {
        AdminClient.Reply page = client.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Type")).startsWith("text/html");
        assertThat(page.body()).contains("System Overview").contains("app.js");
        assertThat(page.header("Content-Security-Policy")).contains("default-src 'self'").contains("frame-ancestors 'none'");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(client.get("/app.js").header("Content-Type")).startsWith("text/javascript");
        assertThat(client.get("/app.css").status()).isEqualTo(200);
    }

    @Test
    void metersFollowStatusAndEvents() {
        loggedIn();
        client.post("/api/services/PACS/real-servers/PrimaryCluster/halt");
        assertThat(registry.get("lb4j.transitions").tags("service", "PACS", "real.server", "PrimaryCluster",
                "event", "halted").counter().count()).isGreaterThanOrEqualTo(1);
        assertThat(registry.get("lb4j.failovers").tag("service", "PACS").counter().count()).isGreaterThanOrEqualTo(1);
        // Gauges read a snapshot at most 250 ms old: poll until it shows the halt.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (registry.get("lb4j.real.server.state").tags("real.server", "PrimaryCluster", "state", "HALTED").gauge()
                .value() != 1 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        assertThat(registry.get("lb4j.real.server.state").tags("real.server", "PrimaryCluster", "state", "HALTED")
                .gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("lb4j.service.fallback.active").tag("service", "PACS").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("lb4j.real.server.connections.active").tag("real.server", "PrimaryCluster").gauge()
                .value()).isZero();
    }

    @Test
    void prometheusScrapeWhenTheRegistryIsOnTheClassPath(@TempDir Path dir) {
        // Default registry: micrometer-registry-prometheus is on the test class path, so /metrics serves it.
        try (AdminServer prom = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(dir).build().start()) {
            AdminClient c = new AdminClient(prom);
            String basic = java.util.Base64.getEncoder().encodeToString(("operator:" + PASSWORD)
                    .getBytes(StandardCharsets.UTF_8));
            AdminClient.Reply r = c.send("GET", "/metrics", null, Map.of("Authorization", "Basic " + basic));
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("Content-Type")).startsWith("text/plain");
            assertThat(r.body()).contains("lb4j_real_server_connections_active{real_server=\"PrimaryCluster\",service=\"PACS\"}")
                    .contains("lb4j_real_server_state{");
            AdminClient.Reply bad = c.send("GET", "/metrics", null, Map.of("Authorization", "Basic "
                    + java.util.Base64.getEncoder().encodeToString("operator:nope".getBytes(StandardCharsets.UTF_8))));
            assertThat(bad.status()).isEqualTo(401);
        }
    }

    // ------------------------------------------------------------------------------------------------ builder

    @Test
    void builderRefusesMissingOrConflictingSettings() {
        assertThatThrownBy(() -> AdminServer.builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessage("admin.balancer: missing (expected: the LoadBalancer to administer)");
        assertThatThrownBy(() -> AdminServer.builder().balancer(lb).build()).isInstanceOf(IllegalStateException.class)
                .hasMessage("admin.users: missing (expected: at least one user, or an authenticator)");
        assertThatThrownBy(() -> AdminServer.builder().bind("localhost", 9443))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("admin.address: \"localhost\" (expected: an IPv4 or IPv6 literal such as 127.0.0.1)");
        assertThatThrownBy(() -> AdminServer.builder().bind("127.0.0.1", 70000))
                .hasMessage("admin.port: 70000 (expected: 0-65535)");
    }

    @Test
    void defaultBindAddressIsLoopback() {
        InetSocketAddress a = server.address();
        assertThat(a.getAddress().isLoopbackAddress()).isTrue();
    }
}
