package io.lb4j.alerts;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every spec refuses bad values at once, saying what is expected. */
class AlertsBuilderTest {

    @Test
    void badValuesAreRefusedWithWhatIsExpected() {
        assertThatThrownBy(() -> Alerts.builder().build())
                .hasMessage("alerts: no channel (expected: at least one of email, syslog, webhook, notifyScript)");
        assertThatThrownBy(() -> Alerts.builder().rateLimit(Duration.ofSeconds(-1)))
                .hasMessage("alerts.rateLimit: PT-1S (expected: a duration of 0 or more, such as 5m)");
        assertThatThrownBy(() -> Alerts.builder().retry(0, Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .hasMessage("alerts.retry.attempts: 0 (expected: 1-100)");
        assertThatThrownBy(() -> Email.server("smtp.example.org", 0))
                .hasMessage("email.port: 0 (expected: 1-65535, usually 587)");
        assertThatThrownBy(() -> Email.server("smtp.example.org", 587).from("not an address"))
                .hasMessage("email.from: \"not an address\" (expected: an email address such as"
                        + " pacs-admins@example.org)");
        assertThatThrownBy(() -> Email.server("smtp.example.org", 587).from("lb4j@example.org").build())
                .hasMessage("email.to: missing (expected: at least one recipient)");
        assertThatThrownBy(() -> Syslog.udp("10.0.0.9", 514).withFacility("local9"))
                .hasMessageStartingWith("syslog.facility: \"local9\" (expected: one of kern, user, mail, daemon");
        assertThatThrownBy(() -> Webhook.to(URI.create("ftp://example.org/x")))
                .hasMessage("webhook.url: ftp://example.org/x (expected: an http or https URL such as"
                        + " https://chat.example.org/hooks/lb4j)");
        assertThatThrownBy(() -> new Alert(Instant.now(), Alert.Kind.SERVICE, "PACS", "failed over",
                Alert.Severity.CRITICAL, "x")).hasMessage("state: \"failed over\" (expected: one word such as DOWN"
                + " or MASTER)");
    }

    @Test
    void anEmailSpecNeverShowsItsPassword() {
        Email email = Email.server("smtp.example.org", 587).login("lb4j", "hunter2".toCharArray())
                .from("lb4j@example.org").to("pacs-admins@example.org").build();
        assertThat(email.toString()).doesNotContain("hunter2")
                .isEqualTo("Email[smtp.example.org:587 STARTTLS as lb4j, from lb4j@example.org to"
                        + " pacs-admins@example.org]");
        assertThat(Alerts.builder().email(email).build().toString()).doesNotContain("hunter2");
    }
}
