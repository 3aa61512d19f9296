package io.lb4j.appliance;

import io.lb4j.admin.PasswordHash;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static io.lb4j.appliance.ApplianceFiles.oneService;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The appliance runner as a real child process: config errors, SIGHUP reload, SIGTERM stop, the admin server.
 * Loopback only.
 */
class ApplianceRunnerTest {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path dir;


    @Test
    void badConfigFileIsRefusedWithFileAndLineAndNonZeroExit() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, oneService(freePort(), 9)
                .replace("healthCheck: none", "healthCheck: none\n    colour: blue"));

        try (ApplianceProcess p = ApplianceProcess.run(file)) {
            int status = p.awaitExit(STARTUP);

            assertThat(status).isEqualTo(2);
            assertThat(p.stderr()).contains(file + ":7:5: unknown key \"colour\" in a service")
                    .contains("nothing started");
            assertThat(p.stdout()).doesNotContain("running");
        }
    }

    @Test
    void aUsageErrorExitsTwoFromTheRealMainWithTheUsageText() throws Exception {
        try (ApplianceProcess p = ApplianceProcess.start("--check", "--config")) {
            int status = p.awaitExit(STARTUP);

            assertThat(status).isEqualTo(2);
            assertThat(p.stderr()).isEqualTo("lb4j: --config needs a FILE\n" + CommandLine.USAGE + "\n");
            assertThat(p.stdout()).isEmpty();
        }
    }

    @Test
    void sighupReloadKeepsTheEstablishedConnectionAndAppliesTheNewConfig() throws Exception {
        int vip = freePort();
        int extraVip = freePort();
        try (TestServer a = TestServer.loopback(Handler.tagLines("A")); TestServer b = TestServer.loopback(Handler.tagLines("B"))) {
            Path file = dir.resolve("lb.yaml");
            Files.writeString(file, oneService(vip, a.port()));
            try (ApplianceProcess p = ApplianceProcess.run(file)) {
                p.awaitStdoutContains("SIGHUP reloads the file", STARTUP);
                try (Line held = new Line(vip)) {
                    assertThat(held.ask("before")).isEqualTo("A:before");

                    // The new file sends ECHO's new connections to B and adds a second service on another port.
                    Files.writeString(file, oneService(vip, b.port()) + """
                              - label: EXTRA
                                address: 127.0.0.1
                                ports: [%d]
                                healthCheck: none
                                realServers: [ { label: a, address: 127.0.0.1, port: %d } ]
                            """.formatted(extraVip, a.port()));
                    p.signal("HUP");
                    p.awaitStdoutContains("lb4j: reloaded: 2 service(s)", STARTUP);

                    assertThat(held.ask("after")).as("the connection established before the reload")
                            .isEqualTo("A:after");
                    try (Line fresh = new Line(vip); Line extra = new Line(extraVip)) {
                        assertThat(fresh.ask("new")).isEqualTo("B:new");
                        assertThat(extra.ask("added")).isEqualTo("A:added");
                    }
                }
                assertThat(p.stdout()).contains("ECHO: service changed").contains("EXTRA: service added");
            }
        }
    }

    @Test
    void sighupWithOtherScriptDirectoriesSaysTheyTakeEffectOnlyAfterARestart() throws Exception {
        int vip = freePort();
        try (TestServer a = TestServer.loopback(Handler.tagLines("A"))) {
            Path file = dir.resolve("lb.yaml");
            Files.writeString(file, oneService(vip, a.port()));
            try (ApplianceProcess p = ApplianceProcess.run(file)) {
                p.awaitStdoutContains("SIGHUP reloads the file", STARTUP);

                Files.writeString(file, "scriptDirectories: [/opt/checks]\n" + oneService(vip, a.port()));
                p.signal("HUP");

                p.awaitStderrContains("lb4j: warning: scriptDirectories changed; they take effect only after a"
                        + " restart (check scripts still come from [/etc/lb4j/checks])", STARTUP);
                p.awaitStdoutContains("lb4j: reloaded: 1 service(s)", STARTUP);
            }
        }
    }

    @Test
    void sighupWithABadFileKeepsTheRunningConfigAndSaysWhereTheFileIsWrong() throws Exception {
        int vip = freePort();
        try (TestServer a = TestServer.loopback(Handler.tagLines("A"))) {
            Path file = dir.resolve("lb.yaml");
            Files.writeString(file, oneService(vip, a.port()));
            try (ApplianceProcess p = ApplianceProcess.run(file)) {
                p.awaitStdoutContains("SIGHUP reloads the file", STARTUP);

                Files.writeString(file, oneService(vip, a.port()).replace("ioThreads: 1", "ioThreads: 1, turbo: true"));
                p.signal("HUP");
                // stdout and stderr are read by separate pumps: wait on the stream the message is written to.
                p.awaitStderrContains("reload refused", STARTUP);

                assertThat(p.stderr()).contains(file + ":1:").contains("unknown key \"turbo\" in engine");
                try (Line line = new Line(vip)) {
                    assertThat(line.ask("still")).isEqualTo("A:still");
                }
            }
        }
    }

    @Test
    void sigtermStopsTheBalancerGracefully() throws Exception {
        int vip = freePort();
        try (TestServer a = TestServer.loopback(Handler.tagLines("A"))) {
            Path file = dir.resolve("lb.yaml");
            Files.writeString(file, oneService(vip, a.port()));
            try (ApplianceProcess p = ApplianceProcess.run(file)) {
                p.awaitStdoutContains("SIGHUP reloads the file", STARTUP);

                p.signal("TERM");
                p.awaitExit(STARTUP);

                assertThat(p.stdout()).contains("lb4j: stopping").contains("lb4j: stopped");
                try (Socket s = new Socket()) {
                    assertThat(connects(s, vip)).as("VIP port closed after stop").isFalse();
                }
            }
        }
    }

    @Test
    void adminSectionServesTheSystemOverviewOverHttpsAndStopsBeforeTheBalancerOnSigterm() throws Exception {
        int vip = freePort();
        int adminPort = freePort();
        Path tls = dir.resolve("admin-tls");
        String hash = PasswordHash.of("s3cret".toCharArray());
        try (TestServer a = TestServer.loopback(Handler.tagLines("A"))) {
            Path file = dir.resolve("lb.yaml");
            Files.writeString(file, oneService(vip, a.port()) + """
                    admin:
                      address: 127.0.0.1
                      port: %d
                      users:
                        - { name: operator, passwordHash: "%s" }
                      tls: { selfSignedDirectory: "%s" }
                    """.formatted(adminPort, hash, tls));
            // As under the Debian package's unit (StateDirectory=lb4j): the configuration history is kept there.
            Path state = dir.resolve("state");
            try (ApplianceProcess p = ApplianceProcess.run(file, java.util.Map.of("STATE_DIRECTORY", state.toString()))) {
                p.awaitStdoutContains("lb4j: admin server on https://127.0.0.1:" + adminPort + "/", STARTUP);
                // The client trusts exactly the certificate the appliance generated and kept in the directory.
                HttpClient https = HttpClient.newBuilder().sslContext(trusting(tls))
                        .cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(5)).build();
                URI base = URI.create("https://127.0.0.1:" + adminPort);

                // The System Overview page, from the appliance's class path.
                HttpResponse<String> page = get(https, base.resolve("/"));
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.body()).contains("<title>lb4j · System Overview</title>");

                // Login with the user of the file; the password is checked against its hash.
                HttpResponse<String> login = https.send(HttpRequest.newBuilder(base.resolve("/api/login"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"operator\",\"password\":\"s3cret\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
                Matcher token = Pattern.compile("\"csrfToken\":\"([^\"]+)\"").matcher(login.body());
                assertThat(token.find()).isTrue();

                // The status shows the file's service and real server.
                HttpResponse<String> status = get(https, base.resolve("/api/status"));
                assertThat(status.statusCode()).isEqualTo(200);
                assertThat(status.body()).contains("\"label\":\"ECHO\"").contains("\"label\":\"main\"");
                // No ha: section: no pair to show.
                assertThat(status.body()).contains("\"pair\":null");
                assertThat(get(https, base.resolve("/api/pair")).statusCode()).isEqualTo(404);

                // The configuration comes as the file's YAML, and a bad one is refused at its line and column.
                HttpResponse<String> yaml = get(https, base.resolve("/api/config"));
                assertThat(yaml.headers().firstValue("Content-Type")).hasValue("application/yaml; charset=utf-8");
                assertThat(yaml.body()).startsWith("services:\n").contains("label: \"ECHO\"");
                HttpResponse<String> refused = https.send(HttpRequest.newBuilder(base.resolve("/api/config"))
                        .header("X-CSRF-Token", token.group(1)).header("Content-Type", "application/yaml")
                        .PUT(HttpRequest.BodyPublishers.ofString(yaml.body().replace("weight: 100", "weight: 70000")))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(400);
                assertThat(refused.body()).contains("\"path\":\"line ")
                        .contains("realServer[main].weight: 70000 (expected: 0-65535)");

                // Backup and restore in the file's YAML: the download is a file, a bad upload is refused at its line
                // and column, a good one is applied and kept in the history under the state directory.
                HttpResponse<String> backup = get(https, base.resolve("/api/config/backup"));
                assertThat(backup.headers().firstValue("Content-Disposition").orElseThrow())
                        .matches("attachment; filename=\"lb4j-config-\\d{8}-\\d{6}\\.yaml\"");
                assertThat(backup.body()).isEqualTo(yaml.body());
                HttpResponse<String> bad = https.send(HttpRequest.newBuilder(base.resolve("/api/config/restore"))
                        .header("X-CSRF-Token", token.group(1)).header("Content-Type", "application/yaml")
                        .POST(HttpRequest.BodyPublishers.ofString(backup.body().replace("weight: 100", "weight: x")))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(bad.statusCode()).isEqualTo(400);
                assertThat(bad.body()).containsPattern("\"path\":\"line \\d+, column \\d+\"")
                        .containsPattern("\"line\":\\d+").containsPattern("\"column\":\\d+");
                HttpResponse<String> restored = https.send(HttpRequest.newBuilder(base.resolve("/api/config/restore"))
                        .header("X-CSRF-Token", token.group(1)).header("Content-Type", "application/yaml")
                        .POST(HttpRequest.BodyPublishers.ofString(backup.body().replace("weight: 100", "weight: 50")))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(restored.statusCode()).as(restored.body()).isEqualTo(200);
                assertThat(restored.body()).contains("changed service \\\"ECHO\\\" (real server \\\"main\\\" changed)");
                assertThat(get(https, base.resolve("/api/config")).body()).contains("weight: 50");
                try (var files = Files.list(state.resolve("config-history"))) {
                    assertThat(files.map(f -> f.getFileName().toString()).sorted().toList())
                            .containsExactly("config-0000000001.json", "config-0000000002.json");
                }
                // The charts' library is in the appliance's class path too, with its licence.
                assertThat(get(https, base.resolve("/vendor/uPlot.iife.min.js")).body()).contains("uPlot");
                assertThat(get(https, base.resolve("/vendor/LICENSE")).body()).contains("MIT");

                // Prometheus is on the appliance's class path: /metrics serves the balancer's meters.
                HttpResponse<String> metrics = https.send(HttpRequest.newBuilder(base.resolve("/metrics"))
                        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("operator:s3cret"
                                .getBytes(StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(metrics.statusCode()).isEqualTo(200);
                assertThat(metrics.body()).contains("lb4j_real_server_weight");

                // A reload keeps the admin server (and the session) running; changed admin settings wait for a restart.
                Files.writeString(file, Files.readString(file) + "  sessionTimeout: 5m\n");
                p.signal("HUP");
                p.awaitStdoutContains("lb4j: reloaded: 1 service(s)", STARTUP);
                p.awaitStderrContains("lb4j: warning: admin settings changed; they take effect only after a restart",
                        STARTUP);
                assertThat(get(https, base.resolve("/api/status")).statusCode()).isEqualTo(200);

                p.signal("TERM");
                p.awaitExit(STARTUP);

                String out = p.stdout();
                assertThat(out.indexOf("lb4j: admin server stopped")).as(out)
                        .isGreaterThan(out.indexOf("lb4j: stopping")).isLessThan(out.indexOf("lb4j: stopped"));
                try (Socket s = new Socket()) {
                    assertThat(connects(s, adminPort)).as("admin port closed after stop").isFalse();
                }
            }
        }
    }

    private static HttpResponse<String> get(HttpClient client, URI uri) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Trusts exactly the certificate the admin server generated in {@code tlsDir} (admin-tls.p12 and its password). */
    static SSLContext trusting(Path tlsDir) throws Exception {
        char[] password = Files.readString(tlsDir.resolve("admin-tls.password")).strip().toCharArray();
        KeyStore generated = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tlsDir.resolve("admin-tls.p12"))) {
            generated.load(in, password);
        }
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        for (String alias : Collections.list(generated.aliases())) {
            Certificate cert = generated.getCertificate(alias);
            trusted.setCertificateEntry(alias, cert);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static boolean connects(Socket s, int port) {
        try {
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A line-based client connection through the VIP. */
    private static final class Line implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final PrintWriter out;

        Line(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(5000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        String ask(String line) throws IOException {
            out.println(line);
            return in.readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
