package io.lb4j.appliance.config;

import io.lb4j.alerts.Alerts;
import io.lb4j.alerts.Email;
import io.lb4j.alerts.NotifyScript;
import io.lb4j.alerts.Syslog;
import io.lb4j.alerts.Webhook;
import io.lb4j.config.ConfigException;
import io.lb4j.config.ConfigNode;
import io.lb4j.config.ConfigNode.Mapping;
import io.lb4j.config.SecretFile;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads the {@code alerts:} section into an {@link AlertsConfig}, each value checked by lb-alerts' own specs and
 * their messages passed on at the value's line and column with the file's spelling ({@code alerts.email.port}):
 *
 * <pre>{@code
 * alerts:
 *   rateLimit: 5m                     # per service, real server or VRRP instance: one alert, then one summary
 *   retry: { attempts: 6, first: 1s, max: 5m }
 *   email:
 *     server: smtp.example.org
 *     port: 587                       # STARTTLS required (startTls: false only for a relay on this host)
 *     username: lb4j
 *     passwordFile: /etc/lb4j/smtp.secret
 *     from: lb4j@example.org
 *     to: [pacs-admins@example.org]
 *     trustedCertificates: /etc/lb4j/smtp-ca.pem   # optional: a site CA instead of the JDK's roots
 *   syslog: { server: 10.0.0.9, port: 514, protocol: udp, facility: local0 }
 *   webhook: { url: "https://chat.example.org/hooks/lb4j", timeout: 10s }
 *   notifyScript: notify.sh           # from scriptDirectories; or { script: notify.sh, timeout: 30s }
 * }</pre>
 */
final class AlertsSection {

    static final Set<String> KEYS = Set.of("rateLimit", "retry", "email", "syslog", "webhook", "notifyScript");
    static final Set<String> RETRY_KEYS = Set.of("attempts", "first", "max");
    static final Set<String> EMAIL_KEYS = Set.of("server", "port", "startTls", "username", "passwordFile", "from",
            "to", "trustedCertificates", "timeout");
    static final Set<String> SYSLOG_KEYS = Set.of("server", "port", "protocol", "facility");
    static final Set<String> WEBHOOK_KEYS = Set.of("url", "timeout");
    static final Set<String> SCRIPT_KEYS = Set.of("script", "timeout");

    private AlertsSection() {
    }

    /** The section, or empty when the file has none. */
    static Optional<AlertsConfig> read(ConfigNode node, List<Path> scriptDirectories) {
        if (node == null) {
            return Optional.empty();
        }
        Mapping m = node.asMapping("alerts");
        m.checkKeys(KEYS, "alerts");
        Alerts.Builder check = Alerts.builder(); // the spec's own checks, value by value
        Duration rateLimit = Alerts.DEFAULT_RATE_LIMIT;
        if (m.has("rateLimit")) {
            ConfigNode n = m.get("rateLimit");
            Duration d = n.asDuration("alerts.rateLimit");
            step(n, () -> check.rateLimit(d));
            rateLimit = d;
        }
        int attempts = Alerts.DEFAULT_ATTEMPTS;
        Duration first = Alerts.DEFAULT_FIRST_RETRY;
        Duration max = Alerts.DEFAULT_MAX_RETRY;
        if (m.has("retry")) {
            Mapping r = m.get("retry").asMapping("alerts.retry");
            r.checkKeys(RETRY_KEYS, "alerts.retry");
            if (r.has("attempts")) {
                attempts = r.get("attempts").asInt("alerts.retry.attempts", "an integer 1-100");
            }
            if (r.has("first")) {
                first = r.get("first").asDuration("alerts.retry.first");
            }
            if (r.has("max")) {
                max = r.get("max").asDuration("alerts.retry.max");
            }
            int a = attempts;
            Duration f = first;
            Duration x = max;
            step(r, () -> check.retry(a, f, x));
        }
        Optional<AlertsConfig.EmailSettings> email = m.has("email") ? Optional.of(email(m.get("email")))
                : Optional.empty();
        Optional<Syslog> syslog = m.has("syslog") ? Optional.of(syslog(m.get("syslog"))) : Optional.empty();
        Optional<Webhook> webhook = m.has("webhook") ? Optional.of(webhook(m.get("webhook"))) : Optional.empty();
        Optional<NotifyScript> script = m.has("notifyScript")
                ? Optional.of(notifyScript(m.get("notifyScript"), scriptDirectories)) : Optional.empty();
        if (email.isEmpty() && syslog.isEmpty() && webhook.isEmpty() && script.isEmpty()) {
            throw node.error("alerts: no channel (expected: at least one of email, syslog, webhook, notifyScript)");
        }
        return Optional.of(new AlertsConfig(rateLimit, attempts, first, max, email, syslog, webhook, script));
    }

    private static AlertsConfig.EmailSettings email(ConfigNode node) {
        Mapping m = node.asMapping("alerts.email");
        m.checkKeys(EMAIL_KEYS, "alerts.email");
        ConfigNode serverNode = m.required("server", "alerts.email");
        String host = serverNode.asString("alerts.email.server");
        int port = m.has("port") ? m.get("port").asInt("alerts.email.port", "a port 1-65535") : 587;
        Email.Builder b = step(m.has("port") ? m.get("port") : serverNode, () -> Email.server(host, port));
        boolean startTls = !m.has("startTls") || m.get("startTls").asBoolean("alerts.email.startTls");
        Optional<String> username = Optional.empty();
        Optional<Path> passwordFile = Optional.empty();
        if (m.has("username") != m.has("passwordFile")) {
            throw m.error("alerts.email: " + (m.has("username") ? "username without passwordFile"
                    : "passwordFile without username") + " (expected: both, for SMTP AUTH, or neither)");
        }
        if (m.has("username")) {
            username = Optional.of(m.get("username").asString("alerts.email.username"));
            ConfigNode fileNode = m.get("passwordFile");
            Path file = Path.of(fileNode.asString("alerts.email.passwordFile"));
            try {
                byte[] secret = SecretFile.read("alerts.email.passwordFile", file);
                boolean empty = secret.length == 0;
                Arrays.fill(secret, (byte) 0);
                if (empty) {
                    throw fileNode.error("alerts.email.passwordFile: " + file + " is empty (expected: the SMTP"
                            + " password)");
                }
            } catch (IllegalArgumentException | UncheckedIOException e) {
                throw fileNode.error(e.getMessage());
            }
            passwordFile = Optional.of(file);
        }
        ConfigNode fromNode = m.required("from", "alerts.email");
        String from = fromNode.asString("alerts.email.from");
        step(fromNode, () -> b.from(from));
        List<String> to = new ArrayList<>();
        for (ConfigNode item : m.required("to", "alerts.email").asItems("alerts.email.to")) {
            String address = item.asString("alerts.email.to");
            step(item, () -> b.to(address));
            to.add(address);
        }
        if (to.isEmpty()) {
            throw m.get("to").error("alerts.email.to: [] (expected: at least one recipient)");
        }
        Optional<Path> trusted = Optional.empty();
        if (m.has("trustedCertificates")) {
            ConfigNode n = m.get("trustedCertificates");
            Path p = Path.of(n.asString("alerts.email.trustedCertificates"));
            step(n, () -> b.trustedCertificates(p));
            trusted = Optional.of(p);
        }
        Duration timeout = Email.DEFAULT_TIMEOUT;
        if (m.has("timeout")) {
            ConfigNode n = m.get("timeout");
            Duration t = n.asDuration("alerts.email.timeout");
            step(n, () -> b.timeout(t));
            timeout = t;
        }
        return new AlertsConfig.EmailSettings(host, port, startTls, username, passwordFile, from, to, trusted,
                timeout);
    }

    private static Syslog syslog(ConfigNode node) {
        Mapping m = node.asMapping("alerts.syslog");
        m.checkKeys(SYSLOG_KEYS, "alerts.syslog");
        String host = m.required("server", "alerts.syslog").asString("alerts.syslog.server");
        int port = m.has("port") ? m.get("port").asInt("alerts.syslog.port", "a port 1-65535") : 514;
        Syslog.Transport transport = m.has("protocol") ? Syslog.Transport.valueOf(m.get("protocol")
                .asOneOf("alerts.syslog.protocol", List.of("udp", "tcp")).toUpperCase(Locale.ROOT))
                : Syslog.Transport.UDP;
        String facility = m.has("facility") ? m.get("facility").asString("alerts.syslog.facility") : "daemon";
        ConfigNode at = m.has("facility") ? m.get("facility") : m.has("port") ? m.get("port") : node;
        return step(at, () -> new Syslog(host, port, transport, facility));
    }

    private static Webhook webhook(ConfigNode node) {
        Mapping m = node.asMapping("alerts.webhook");
        m.checkKeys(WEBHOOK_KEYS, "alerts.webhook");
        ConfigNode urlNode = m.required("url", "alerts.webhook");
        String text = urlNode.asString("alerts.webhook.url");
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw urlNode.error("alerts.webhook.url: " + text + " (expected: an http or https URL such as"
                    + " https://chat.example.org/hooks/lb4j)");
        }
        Duration timeout = m.has("timeout") ? m.get("timeout").asDuration("alerts.webhook.timeout")
                : Webhook.DEFAULT_TIMEOUT;
        return step(m.has("timeout") && !timeout.isPositive() ? m.get("timeout") : urlNode,
                () -> new Webhook(url, timeout));
    }

    private static NotifyScript notifyScript(ConfigNode node, List<Path> directories) {
        ConfigNode scriptNode = node;
        Duration timeout = NotifyScript.DEFAULT_TIMEOUT;
        if (node instanceof Mapping m) {
            m.checkKeys(SCRIPT_KEYS, "alerts.notifyScript");
            scriptNode = m.required("script", "alerts.notifyScript");
            if (m.has("timeout")) {
                timeout = m.get("timeout").asDuration("alerts.notifyScript.timeout");
            }
        }
        Path script = Path.of(scriptNode.asString("alerts.notifyScript"));
        Duration t = timeout;
        return step(scriptNode, () -> new NotifyScript(script, directories, t));
    }

    /** Runs a spec's check; its message, prefixed {@code alerts.} where it is not, at {@code node}. */
    private static <T> T step(ConfigNode node, Supplier<T> check) {
        try {
            return check.get();
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException e) {
            String message = String.valueOf(e.getMessage());
            throw node.error(message.startsWith("alerts") ? message : "alerts." + message);
        }
    }
}
