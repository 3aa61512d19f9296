package io.lb4j.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.lb4j.testkit.VirtualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The webhook against the JDK's HttpServer: the JSON it receives, and a 503 answered by a retry. */
class WebhookAlertTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anAlertIsPostedAsJsonAndA503IsRetriedWithBackoff() throws IOException {
        List<JsonNode> received = new CopyOnWriteArrayList<>();
        List<String> contentTypes = new CopyOnWriteArrayList<>();
        AtomicInteger refuse = new AtomicInteger(1); // the first request gets a 503
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hooks/lb4j", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = refuse.getAndDecrement() > 0 ? 503 : 204;
            if (status == 204) {
                received.add(JSON.readTree(body));
                contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        VirtualClock clock = new VirtualClock();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/lb4j");
        try (AlertDispatcher alerts = Alerts.builder().webhook(Webhook.to(url))
                .retry(3, Duration.ofSeconds(2), Duration.ofSeconds(30)).build().start(meters, clock)) {
            alerts.publish(new Alert(Instant.parse("2026-12-06T17:00:00Z"), Alert.Kind.SERVICE, "PACS",
                    "FAILED_OVER", Alert.Severity.CRITICAL, "Service PACS failed over"));

            assertThat(Peers.await(() -> alerts.status().getFirst().lastError().isPresent(), Duration.ofSeconds(10)))
                    .isTrue();
            assertThat(alerts.status().getFirst().lastError().orElseThrow()).contains("HTTP 503");
            assertThat(received).isEmpty();
            clock.advance(Duration.ofSeconds(2));
            assertThat(Peers.await(() -> received.size() == 1, Duration.ofSeconds(10))).isTrue();

            JsonNode alert = received.getFirst();
            assertThat(contentTypes).containsExactly("application/json");
            assertThat(alert.get("kind").asText()).isEqualTo("SERVICE");
            assertThat(alert.get("name").asText()).isEqualTo("PACS");
            assertThat(alert.get("state").asText()).isEqualTo("FAILED_OVER");
            assertThat(alert.get("severity").asText()).isEqualTo("CRITICAL");
            assertThat(alert.get("at").asText()).isEqualTo("2026-12-06T17:00:00Z");
            assertThat(alert.get("message").asText()).isEqualTo("Service PACS failed over");
            assertThat(alert.get("count").asInt()).isEqualTo(1);
            assertThat(Peers.await(() -> alerts.status().getFirst().sent() == 1, Duration.ofSeconds(10))).isTrue();
            assertThat(meters.get("lb4j.alerts.sent").tag("channel", "webhook").counter().count()).isEqualTo(1.0);
        } finally {
            server.stop(0);
        }
    }
}
