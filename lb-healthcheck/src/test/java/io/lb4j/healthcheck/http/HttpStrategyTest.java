package io.lb4j.healthcheck.http;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.healthcheck.support.SelfSignedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** http()/https() against the JDK's real HTTP(S) server; the HTTPS certificate is self-signed, made by keytool. */
class HttpStrategyTest {

    private final HttpStrategy strategy = new HttpStrategy();
    private HttpServer server;

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void expectedStatusPasses() throws IOException {
        int port = serve(HttpServer.create(new InetSocketAddress(Loopback.ADDRESS, 0), 0));
        assertThat(Loopback.run(strategy, HttpProbe.get("/health").expectStatus(200), Loopback.target(Duration.ofSeconds(5), port)))
                .isEqualTo(CheckResult.ok());
    }

    @Test
    void unexpectedStatusFailsNamingStatusAndExpectation() throws IOException {
        int port = serve(HttpServer.create(new InetSocketAddress(Loopback.ADDRESS, 0), 0));
        assertThat(Loopback.run(strategy, HttpProbe.get("/down").expectStatus(200, 204), Loopback.target(Duration.ofSeconds(5), port)))
                .isEqualTo(CheckResult.failed("port " + port + ": status 503 (expected: [200, 204])"));
    }

    @Test
    void bodyPatternMustMatch() throws IOException {
        int port = serve(HttpServer.create(new InetSocketAddress(Loopback.ADDRESS, 0), 0));
        var target = Loopback.target(Duration.ofSeconds(5), port);

        assertThat(Loopback.run(strategy, HttpProbe.get("/health").bodyMatches("\"status\":\\s*\"UP\""), target))
                .isEqualTo(CheckResult.ok());
        assertThat(Loopback.run(strategy, HttpProbe.get("/health").bodyMatches("DOWN"), target))
                .isEqualTo(CheckResult.failed("port " + port + ": status 200 but body does not match /DOWN/: \"{\"status\": \"UP\"}\""));
    }

    @Test
    void hostHeaderIsSentAsGiven() throws IOException {
        int port = serve(HttpServer.create(new InetSocketAddress(Loopback.ADDRESS, 0), 0));
        assertThat(Loopback.run(strategy, HttpProbe.get("/host").host("pacs.example.org").bodyMatches("^pacs\\.example\\.org$"),
                Loopback.target(Duration.ofSeconds(5), port))).isEqualTo(CheckResult.ok());
    }

    @Test
    void httpsWithSelfSignedCertificatePassesOnlyWhenInsecureIsChosen() throws Exception {
        HttpsServer https = HttpsServer.create(new InetSocketAddress(Loopback.ADDRESS, 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(SelfSignedServer.context(dir, "dns:localhost,ip:127.0.0.1")));
        int port = serve(https);
        var target = Loopback.target(Duration.ofSeconds(5), port);

        assertThat(Loopback.run(strategy, HttpProbe.get("/health").tls(true).insecure(true), target)).isEqualTo(CheckResult.ok());

        CheckResult verified = Loopback.run(strategy, HttpProbe.get("/health").tls(true), target);
        assertThat(verified.healthy()).isFalse();
        assertThat(verified.reason()).startsWith("port " + port + ": TLS handshake failed: ");
    }

    @Test
    void plainHttpToATlsPortFails() throws Exception {
        HttpsServer https = HttpsServer.create(new InetSocketAddress(Loopback.ADDRESS, 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(SelfSignedServer.context(dir, "dns:localhost,ip:127.0.0.1")));
        int port = serve(https);

        CheckResult result = Loopback.run(strategy, HttpProbe.get("/health"), Loopback.target(Duration.ofSeconds(2), port));
        assertThat(result.healthy()).isFalse();
        assertThat(result.reason()).startsWith("port " + port + ": ");
    }

    private int serve(HttpServer s) {
        s.createContext("/health", ex -> reply(ex, 200, "{\"status\": \"UP\"}"));
        s.createContext("/down", ex -> reply(ex, 503, "maintenance"));
        s.createContext("/host", ex -> reply(ex, 200, ex.getRequestHeaders().getFirst("Host")));
        s.start();
        server = s;
        return s.getAddress().getPort();
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (InputStream in = ex.getRequestBody()) {
            in.readAllBytes();
        }
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }
}
