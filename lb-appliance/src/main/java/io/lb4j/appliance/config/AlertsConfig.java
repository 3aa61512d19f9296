package io.lb4j.appliance.config;

import io.lb4j.alerts.Alerts;
import io.lb4j.alerts.Email;
import io.lb4j.alerts.NotifyScript;
import io.lb4j.alerts.Syslog;
import io.lb4j.alerts.Webhook;
import io.lb4j.config.SecretFile;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code alerts:} section: where the appliance sends alerts of its balancer's events and its pair's VRRP
 * transitions (lb-alerts), checked. The SMTP password stays in its file ({@code email.passwordFile}, read through
 * {@link SecretFile} like {@code ha.secretFile}) until {@link #alerts()} builds the spec at start. Changes only with a
 * restart. Immutable.
 *
 * @param rateLimit    the rate-limit window per key
 * @param attempts     attempts per delivery
 * @param firstRetry   the first retry's delay
 * @param maxRetry     the longest delay between attempts
 * @param email        {@code email:}, or empty
 * @param syslog       {@code syslog:}, or empty
 * @param webhook      {@code webhook:}, or empty
 * @param notifyScript {@code notifyScript:}, or empty
 */
public record AlertsConfig(Duration rateLimit, int attempts, Duration firstRetry, Duration maxRetry,
                           Optional<EmailSettings> email, Optional<Syslog> syslog, Optional<Webhook> webhook,
                           Optional<NotifyScript> notifyScript) {

    /** Checks that every field is given. */
    public AlertsConfig {
        Objects.requireNonNull(rateLimit, "rateLimit");
        Objects.requireNonNull(firstRetry, "firstRetry");
        Objects.requireNonNull(maxRetry, "maxRetry");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(syslog, "syslog");
        Objects.requireNonNull(webhook, "webhook");
        Objects.requireNonNull(notifyScript, "notifyScript");
    }

    /**
     * The {@code email:} settings, the password as the file that holds it.
     *
     * @param host                the SMTP server
     * @param port                its port
     * @param startTls            whether STARTTLS is required
     * @param username            the SMTP AUTH user, or empty
     * @param passwordFile        the file holding the password (owner-only), present with {@code username}
     * @param from                the sender
     * @param to                  the recipients
     * @param trustedCertificates PEM certificates to trust instead of the JDK's roots, or empty
     * @param timeout             the connect, read and write timeout
     */
    public record EmailSettings(String host, int port, boolean startTls, Optional<String> username,
                                Optional<Path> passwordFile, String from, List<String> to,
                                Optional<Path> trustedCertificates, Duration timeout) {

        /** Copies the list. */
        public EmailSettings {
            to = List.copyOf(to);
        }

        /** The channel, with the password read from its file now. */
        Email email() {
            Email.Builder b = Email.server(host, port).startTls(startTls).from(from).to(to.toArray(String[]::new))
                    .timeout(timeout);
            trustedCertificates.ifPresent(b::trustedCertificates);
            if (username.isPresent()) {
                byte[] secret = SecretFile.read("alerts.email.passwordFile", passwordFile.orElseThrow());
                CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(secret));
                char[] password = new char[chars.remaining()];
                chars.get(password);
                try {
                    b.login(username.get(), password);
                } finally {
                    Arrays.fill(secret, (byte) 0);
                    Arrays.fill(password, '\0');
                    Arrays.fill(chars.array(), '\0');
                }
            }
            return b.build();
        }
    }

    /** The lb-alerts spec, reading the SMTP password now. */
    public Alerts alerts() {
        Alerts.Builder b = Alerts.builder().rateLimit(rateLimit).retry(attempts, firstRetry, maxRetry);
        email.ifPresent(e -> b.email(e.email()));
        syslog.ifPresent(b::syslog);
        webhook.ifPresent(b::webhook);
        notifyScript.ifPresent(b::notifyScript);
        return b.build();
    }
}
