package io.lb4j.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.lb4j.admin.AdminServer;
import io.lb4j.admin.PasswordHash;
import io.lb4j.appliance.config.ConfigLoader;
import io.lb4j.testsupport.net.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The appliance file's {@code alerts:} end to end: a started appliance whose only real server does not answer alerts
 * its webhook (the JDK's HttpServer) that the real server is down and the service failed over, in that order; the
 * admin server's {@code GET /api/alerts} shows each channel's delivery record.
 */
class ApplianceAlertsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aRealServerThatDoesNotAnswerIsAlertedToTheFilesWebhook() throws Exception {
        List<JsonNode> received = new CopyOnWriteArrayList<>();
        HttpServer hook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hook.createContext("/hooks/lb4j", exchange -> {
            received.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        hook.start();
        int[] ports = FreePorts.tcp(2); // VIP, backend
        Path file = Files.writeString(dir.resolve("alerts.yaml"), """
                engine: { type: proxy, ioThreads: 1 }
                services:
                  - label: ECHO
                    address: 127.0.0.1
                    ports: [%d]
                    healthCheck: { type: connect, interval: 200ms, timeout: 200ms, failAfter: 1, riseAfter: 1 }
                    realServers:
                      - { label: main, address: 127.0.0.1, port: %d }
                alerts:
                  rateLimit: 0
                  webhook: { url: "http://127.0.0.1:%d/hooks/lb4j" }
                """.formatted(ports[0], ports[1], hook.getAddress().getPort()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ApplianceRunner runner = new ApplianceRunner(file, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(runner.start()).as("%s", err).isZero();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (received.size() < 2 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(20); // polling the webhook's receipts
            }
            assertThat(received).as("webhook posts; stdout %s", out).hasSizeGreaterThanOrEqualTo(2);
            assertThat(received.get(0).get("name").asText()).isEqualTo("ECHO/main");
            assertThat(received.get(0).get("state").asText()).isEqualTo("DOWN");
            assertThat(received.get(0).get("message").asText()).startsWith("Real server main (127.0.0.1:")
                    .contains("of service ECHO is down");
            assertThat(received.get(1).get("name").asText()).isEqualTo("ECHO");
            assertThat(received.get(1).get("state").asText()).isEqualTo("FAILED_OVER");
        } finally {
            runner.stop(Duration.ZERO);
            hook.stop(0);
        }
    }

    @Test
    void theAdminServerShowsEachAlertChannelsDeliveryRecord() throws Exception {
        String password = "alerts-admin-password";
        int[] ports = FreePorts.tcp(4); // VIP, backend, admin, syslog
        String services = ApplianceFiles.oneService(ports[0], ports[1]);
        Path file = Files.writeString(dir.resolve("alerts-admin.yaml"), services + """
                admin:
                  address: 127.0.0.1
                  port: %d
                  users: [ { name: operator, passwordHash: "%s" } ]
                  tls: { selfSignedDirectory: "%s" }
                alerts:
                  syslog: { server: 127.0.0.1, port: %d, protocol: udp }
                """.formatted(ports[2], PasswordHash.of(password.toCharArray()), dir.resolve("tls"), ports[3]));
        PreparedAppliance appliance = PreparedAppliance.prepare(ConfigLoader.load(file),
                new Object(), new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        try {
            appliance.startBalancer();
            appliance.startAdmin();
            AdminServer admin = appliance.admin().orElseThrow();
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("admin", admin.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            try (HttpClient client = HttpClient.newBuilder().sslContext(tls)
                    .cookieHandler(new CookieManager()).build()) {
                HttpResponse<String> login = client.send(HttpRequest.newBuilder(
                                admin.uri().resolve("/api/login")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"operator\","
                                + "\"password\":\"" + password + "\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
                HttpResponse<String> alerts = client.send(HttpRequest.newBuilder(
                        admin.uri().resolve("/api/alerts")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(alerts.statusCode()).isEqualTo(200);
                JsonNode channel = JSON.readTree(alerts.body()).get("channels").get(0);
                assertThat(channel.get("channel").asText()).isEqualTo("syslog");
                assertThat(channel.get("target").asText()).startsWith("udp://127.0.0.1:");
                assertThat(channel.get("sent").asLong()).isZero();
            }
        } finally {
            appliance.stop(Duration.ZERO);
        }
    }
}
