package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An HTTPS client for one admin server that trusts exactly the server's (self-signed) certificate, keeps cookies
 * like a browser and sends the CSRF token it was given at login, unless a test says otherwise.
 */
final class AdminClient {

    final HttpClient http;
    final URI base;
    String csrf;

    AdminClient(AdminServer server) {
        this.base = server.uri();
        this.http = HttpClient.newBuilder().sslContext(trusting(server.certificate()))
                .cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(5)).build();
    }

    static SSLContext trusting(X509Certificate cert) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("admin", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    record Reply(int status, String body, HttpResponse<String> response) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    Reply login(String user, String password) {
        Reply r = send("POST", "/api/login", Json.write(Json.object().put("username", user).put("password", password)),
                Map.of());
        if (r.status() == 200) {
            csrf = r.json().get("csrfToken").asText();
        }
        return r;
    }

    Reply get(String path) {
        return send("GET", path, null, Map.of());
    }

    /** A mutating call with the session's CSRF token. */
    Reply post(String path) {
        return send("POST", path, "", Map.of("X-CSRF-Token", csrf));
    }

    Reply put(String path, String body) {
        return send("PUT", path, body, Map.of("X-CSRF-Token", csrf));
    }

    Reply send(String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        if (body != null && !body.isEmpty()) {
            b.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Opens {@code GET /api/events/stream} with this client's session; its lines are read as they come. */
    EventStream events() throws Exception {
        return new EventStream(http.sendAsync(HttpRequest.newBuilder(base.resolve("/api/events/stream")).build(),
                HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS));
    }

    /** An open event stream: each line queued by a reader thread until {@link #close()}. */
    static final class EventStream implements AutoCloseable {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final HttpResponse<Stream<String>> response;
        private final Thread reader;

        private EventStream(HttpResponse<Stream<String>> response) {
            this.response = response;
            this.reader = Thread.ofVirtual().start(() -> {
                try {
                    response.body().forEach(lines::add);
                } catch (RuntimeException e) {
                    // closed by close()
                }
            });
        }

        /** The data line that follows the next {@code event} line (e.g. {@code event: pair}), within 10 s; null when none came. */
        String dataAfter(String event) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean seen = false;
            while (System.nanoTime() < deadline) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line == null) {
                    continue;
                }
                if (seen) {
                    return line;
                }
                seen = line.equals(event);
            }
            return null;
        }

        @Override
        public void close() {
            response.body().close();
            reader.interrupt();
        }
    }
}
