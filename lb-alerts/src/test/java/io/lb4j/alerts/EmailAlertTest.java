package io.lb4j.alerts;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.testkit.LbTestKit;
import io.lb4j.testkit.VirtualClock;
import io.lb4j.testsupport.process.ChildProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Email alerts against a real SMTP server (Debian's python3-aiosmtpd, STARTTLS and AUTH required): what the mailbox
 * receives, a server that is down and then up, and a login that is refused.
 */
class EmailAlertTest {

    @TempDir
    Path dir;

    private Email.Builder email(int port) {
        return Email.server("localhost", port).login(Peers.SMTP_USER, Peers.SMTP_PASSWORD.toCharArray())
                .from("lb4j@pacs.example.org").to("pacs-admins@example.org")
                .trustedCertificates(dir.resolve("cert.pem")).timeout(Duration.ofSeconds(10));
    }

    @Test
    void aRealServerGoingDownIsMailedOverStartTlsWithAuthNamingTheServiceAndTheRealServer() throws IOException {
        Peers.certificate(dir);
        int port = Peers.freePort();
        Path maildir = dir.resolve("mail");
        VirtualService pacs = VirtualService.directRouting().label("PACS").address("192.168.100.100").ports(104)
                .real("PrimaryCluster", "192.168.100.110", r -> r.weight(100))
                .real("SecondaryCluster", "192.168.100.120", r -> r.weight(0))
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(5)).failAfter(2)
                        .riseAfter(1))
                .build();
        try (ChildProcess smtp = Peers.smtp(dir, port, maildir);
             LbTestKit kit = LbTestKit.create();
             AlertDispatcher alerts = Alerts.builder().email(email(port).build()).build()
                     .start(null, kit.clock())) {
            alerts.attach(kit.start(pacs));
            kit.server("192.168.100.110").fail();
            assertThat(kit.advanceUntil(() -> !kit.events(RealServerDown.class).isEmpty(), Duration.ofMinutes(1)))
                    .isTrue();

            // Two alerts: the real server down, then the service failing over (no other real server has weight).
            assertThat(Peers.await(() -> alerts.status().getFirst().sent() == 2, Duration.ofSeconds(30)))
                    .as("both reached the SMTP server; status %s; server: %s", alerts.status(), smtp.text())
                    .isTrue();
            Path message = maildir.resolve("1.eml");
            String mail = Files.readString(message, StandardCharsets.UTF_8);
            assertThat(mail).contains("X-Authenticated: True", "X-TLS: True",
                    "X-Envelope-From: lb4j@pacs.example.org", "X-Envelope-To: pacs-admins@example.org",
                    "Subject: [lb4j WARNING] REAL_SERVER PACS/PrimaryCluster DOWN on ",
                    "To: pacs-admins@example.org",
                    "Real server PrimaryCluster (192.168.100.110) of service PACS is down",
                    "State:    DOWN");
            assertThat(Files.readString(maildir.resolve("2.eml")))
                    .contains("Subject: [lb4j CRITICAL] SERVICE PACS FAILED_OVER on ", "Service PACS failed over");
            // The README shows this message: keep the real one.
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "alert-email.eml"), mail);
        }
    }

    @Test
    void anSmtpServerThatIsDownIsRetriedWithBackoffAndTheAlertDeliveredOnceItIsUp() throws IOException {
        Peers.certificate(dir);
        int port = Peers.freePort(); // nothing listens yet
        Path maildir = dir.resolve("mail");
        VirtualClock clock = new VirtualClock();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (AlertDispatcher alerts = Alerts.builder().email(email(port).build())
                .retry(5, Duration.ofSeconds(10), Duration.ofMinutes(1)).build().start(meters, clock)) {
            alerts.publish(new Alert(Instant.parse("2026-12-06T17:00:00Z"), Alert.Kind.INSTANCE, "VRRP_51",
                    "FAULT", Alert.Severity.CRITICAL, "node lb1 lost its interface"));

            assertThat(Peers.await(() -> alerts.status().getFirst().lastError().isPresent(), Duration.ofSeconds(30)))
                    .isTrue();
            ChannelStatus down = alerts.status().getFirst();
            assertThat(down.lastError().orElseThrow()).contains("Couldn't connect to host");
            assertThat(down.sent()).isZero();
            assertThat(down.failed()).as("not given up: retrying").isZero();
            assertThat(down.pending()).isEqualTo(1);

            try (ChildProcess smtp = Peers.smtp(dir, port, maildir)) {
                clock.advance(Duration.ofSeconds(10)); // the first retry is due
                assertThat(Peers.await(() -> alerts.status().getFirst().sent() == 1, Duration.ofSeconds(30)))
                        .as("delivered at the retry: %s; server: %s", alerts.status(), smtp.text()).isTrue();
                assertThat(Files.readString(maildir.resolve("1.eml")))
                        .contains("Subject: [lb4j CRITICAL] INSTANCE VRRP_51 FAULT", "node lb1 lost its interface");
            }
            ChannelStatus up = alerts.status().getFirst();
            assertThat(up.lastError()).isEmpty();
            assertThat(up.pending()).isZero();
            assertThat(meters.get("lb4j.alerts.sent").tag("channel", "email").counter().count()).isEqualTo(1.0);
            assertThat(meters.get("lb4j.alerts.failed").tag("channel", "email").counter().count()).isZero();
        }
    }

    @Test
    void aRefusedLoginIsAFailureThatTheStatusAndTheMetersShow() throws IOException {
        Peers.certificate(dir);
        int port = Peers.freePort();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Email wrong = email(port).login(Peers.SMTP_USER, "not-the-password".toCharArray()).build();
        try (ChildProcess smtp = Peers.smtp(dir, port, dir.resolve("mail"));
             AlertDispatcher alerts = Alerts.builder().email(wrong).retry(1, Duration.ofSeconds(1),
                     Duration.ofSeconds(1)).build().start(meters, new VirtualClock())) {
            alerts.publish(new Alert(Instant.now(), Alert.Kind.SERVICE, "PACS", "FAILED_OVER",
                    Alert.Severity.CRITICAL, "no real server"));
            assertThat(Peers.await(() -> alerts.status().getFirst().failed() == 1, Duration.ofSeconds(30))).isTrue();
            assertThat(alerts.status().getFirst().lastError().orElseThrow()).contains("the server refused the login");
            assertThat(meters.get("lb4j.alerts.failed").tag("channel", "email").counter().count()).isEqualTo(1.0);
            try (Stream<Path> mail = Files.list(dir.resolve("mail"))) {
                assertThat(mail).isEmpty();
            }
        }
    }
}
