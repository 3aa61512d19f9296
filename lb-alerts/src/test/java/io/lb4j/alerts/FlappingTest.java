package io.lb4j.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.event.RealServerUp;
import io.lb4j.testkit.LbTestKit;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A flapping primary in virtual time (the test kit's clock drives the health checks and the alerts' windows): one
 * alert at once, then one summary per window, not a storm; a quiet window forgets the key.
 */
class FlappingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @BeforeEach
    void webhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            received.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aFlappingPrimarySendsOneAlertThenOneSummaryPerWindow() {
        VirtualService pacs = VirtualService.directRouting().label("PACS").address("192.168.100.100").ports(104)
                .real("PrimaryCluster", "192.168.100.110", r -> r.weight(100))
                .real("SecondaryCluster", "192.168.100.120", r -> r.weight(100))
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(2)).failAfter(1)
                        .riseAfter(1))
                .build();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        try (LbTestKit kit = LbTestKit.create();
             AlertDispatcher alerts = Alerts.builder().webhook(Webhook.to(url)).rateLimit(Duration.ofMinutes(1))
                     .build().start(meters, kit.clock())) {
            alerts.attach(kit.start(pacs));
            // Six changes within 40 s: down, up, down, up, down, up.
            for (int i = 0; i < 3; i++) {
                kit.server("192.168.100.110").fail();
                int downs = i + 1;
                assertThat(kit.advanceUntil(() -> kit.events(RealServerDown.class).size() == downs,
                        Duration.ofSeconds(10))).isTrue();
                kit.server("192.168.100.110").recover();
                assertThat(kit.advanceUntil(() -> kit.events(RealServerUp.class).size() == downs,
                        Duration.ofSeconds(10))).isTrue();
            }
            assertThat(kit.elapsed()).isLessThan(Duration.ofMinutes(1));
            assertThat(Peers.await(() -> received.size() == 1, Duration.ofSeconds(10))).isTrue();
            assertThat(received.getFirst().get("state").asText()).isEqualTo("DOWN");
            assertThat(received.getFirst().get("count").asInt()).isEqualTo(1);
            assertThat(alerts.status().getFirst().suppressed()).isEqualTo(5);

            kit.advance(Duration.ofMinutes(1)); // the window ends: one summary of the five held
            assertThat(Peers.await(() -> received.size() == 2, Duration.ofSeconds(10))).isTrue();
            JsonNode summary = received.get(1);
            assertThat(summary.get("name").asText()).isEqualTo("PACS/PrimaryCluster");
            assertThat(summary.get("state").asText()).as("the state it ended in").isEqualTo("UP");
            assertThat(summary.get("count").asInt()).isEqualTo(5);
            assertThat(summary.get("severity").asText()).as("the worst held").isEqualTo("WARNING");
            assertThat(summary.get("states")).extracting(JsonNode::asText)
                    .containsExactly("UP", "DOWN", "UP", "DOWN", "UP");
            assertThat(summary.get("message").asText()).contains("[summary: 5 alerts in 1m: UP, DOWN, UP, DOWN, UP;"
                    + " now UP]");

            kit.advance(Duration.ofMinutes(3)); // quiet windows: nothing more, and the key is forgotten
            kit.server("192.168.100.110").fail();
            assertThat(kit.advanceUntil(() -> kit.events(RealServerDown.class).size() == 4, Duration.ofSeconds(10)))
                    .isTrue();
            assertThat(Peers.await(() -> received.size() == 3, Duration.ofSeconds(10))).isTrue();
            assertThat(received.get(2).get("count").asInt()).as("a new first alert, at once").isEqualTo(1);
            // The receiver has the body before the sender has its reply: wait for the delivery to be recorded.
            assertThat(Peers.await(() -> alerts.status().getFirst().sent() == 3, Duration.ofSeconds(10))).isTrue();
            assertThat(meters.get("lb4j.alerts.suppressed").tag("channel", "webhook").counter().count())
                    .isEqualTo(5.0);
            assertThat(meters.get("lb4j.alerts.sent").tag("channel", "webhook").counter().count()).isEqualTo(3.0);
        }
    }
}
