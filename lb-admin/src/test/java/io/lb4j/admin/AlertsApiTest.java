package io.lb4j.admin;

import io.lb4j.api.LoadBalancer;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/alerts}: the supplied delivery records, for operators only; 404 where no alerts run. */
class AlertsApiTest {

    private static final String PASSWORD = "alerts-view-password";

    @TempDir
    Path tls;

    private static AdminServer.Builder builder(LoadBalancer lb, Path tls) {
        return AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray()),
                        new AdminUser("prometheus", PasswordHash.of(PASSWORD.toCharArray()), AdminRole.METRICS)))
                .selfSignedCertificate(tls).loginAttempts(100, Duration.ofMinutes(1));
    }

    @Test
    void alertsShowEachChannelsDeliveryRecordToOperatorsOnly() {
        AlertDelivery email = new AlertDelivery("email", "smtp.example.org:587", 3, 1, 5, 1,
                Instant.parse("2026-12-06T17:00:00Z"), Instant.parse("2026-12-06T17:05:00Z"),
                "MailConnectException: Couldn't connect to host");
        AlertDelivery syslog = new AlertDelivery("syslog", "udp://192.0.2.9:514", 4, 0, 5, 0,
                Instant.parse("2026-12-06T17:05:00Z"), null, null);
        try (LbTestKit kit = LbTestKit.create()) {
            AdminServer server = builder(kit.start(AdminApiTest.pacs()), tls)
                    .alertStatus(() -> List.of(email, syslog)).build().start();
            try {
                AdminClient anonymous = new AdminClient(server);
                assertThat(anonymous.get("/api/alerts").status()).isEqualTo(401);

                AdminClient scraper = new AdminClient(server);
                assertThat(scraper.login("prometheus", PASSWORD).status()).isEqualTo(200);
                assertThat(scraper.get("/api/alerts").status()).isEqualTo(403);

                AdminClient operator = new AdminClient(server);
                assertThat(operator.login("operator", PASSWORD).status()).isEqualTo(200);
                AdminClient.Reply r = operator.get("/api/alerts");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.json().toString()).isEqualTo("{\"channels\":[{\"channel\":\"email\","
                        + "\"target\":\"smtp.example.org:587\",\"sent\":3,\"failed\":1,\"suppressed\":5,\"pending\":1,"
                        + "\"lastSent\":\"2026-12-06T17:00:00Z\",\"lastFailure\":\"2026-12-06T17:05:00Z\","
                        + "\"lastError\":\"MailConnectException: Couldn't connect to host\"},{\"channel\":\"syslog\","
                        + "\"target\":\"udp://192.0.2.9:514\",\"sent\":4,\"failed\":0,\"suppressed\":5,\"pending\":0,"
                        + "\"lastSent\":\"2026-12-06T17:05:00Z\",\"lastFailure\":null,\"lastError\":null}]}");
                assertThat(operator.post("/api/alerts").status()).isEqualTo(405);
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void withoutAlertsThePathIsNotFound() {
        try (LbTestKit kit = LbTestKit.create()) {
            AdminServer server = builder(kit.start(AdminApiTest.pacs()), tls).build().start();
            try {
                AdminClient operator = new AdminClient(server);
                assertThat(operator.login("operator", PASSWORD).status()).isEqualTo(200);
                AdminClient.Reply r = operator.get("/api/alerts");
                assertThat(r.status()).isEqualTo(404);
                assertThat(r.json().get("message").asText()).isEqualTo("no alerts configured");
            } finally {
                server.stop();
            }
        }
    }
}
