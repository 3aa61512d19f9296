/**
 * lb4j's alerts: a balancer's events and a pair's VRRP transitions by email (SMTP with STARTTLS and AUTH), syslog
 * (RFC 5424 over UDP or TCP), a webhook (JSON POST) and keepalived-style notify scripts; rate-limited per key,
 * retried with backoff, counted. Start with {@link io.lb4j.alerts.Alerts#builder()}.
 */
// micrometer-core has no module descriptor (an automatic module named in its manifest).
@SuppressWarnings({"requires-automatic", "module"})
module io.lb4j.alerts {
    requires transitive io.lb4j.api;
    requires transitive micrometer.core;
    requires io.lb4j.healthcheck;
    requires jakarta.mail;
    // SMTPTransport's last reply: what a refused login said.
    requires org.eclipse.angus.mail;
    requires java.net.http;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports io.lb4j.alerts;
    // The one RFC 5424 codec, for the appliance's Logback syslog appender too.
    exports io.lb4j.alerts.syslog to io.lb4j.appliance;
}
