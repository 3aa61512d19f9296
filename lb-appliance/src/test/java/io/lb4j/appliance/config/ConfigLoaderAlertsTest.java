package io.lb4j.appliance.config;

import io.lb4j.alerts.Alerts;
import io.lb4j.alerts.Email;
import io.lb4j.alerts.Syslog;
import io.lb4j.config.ConfigException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code alerts:} section: how it maps to {@link AlertsConfig} and lb-alerts' spec, and its mistakes, each with
 * its message at {@code file:line:column}.
 */
class ConfigLoaderAlertsTest {

    /** Lines 1-6 are the services; `alerts:` is line 7. */
    private static final String SERVICES = """
            services:
              - label: PACS
                address: 10.0.0.100
                ports: [10104]
                healthCheck: none
                realServers: [ { label: P, address: 10.0.0.110 } ]
            """;

    @TempDir
    Path dir;
    private Path password;

    @BeforeEach
    void passwordFile() throws IOException {
        password = Files.writeString(dir.resolve("smtp.secret"), "s3cret\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
    }

    private ApplianceConfig load(String alerts) {
        return ConfigLoader.parse(SERVICES + alerts.replace("PASSWORD", password.toString()), "pacs.yaml");
    }

    private void rejects(String alerts, String message) {
        assertThatThrownBy(() -> load(alerts)).isInstanceOf(ConfigException.class).hasMessage(message);
    }

    @Test
    void everyChannelMapsToTheSpecWithThePasswordReadFromItsFile() {
        ApplianceConfig config = load("""
                alerts:
                  rateLimit: 2m
                  retry: { attempts: 4, first: 2s, max: 1m }
                  email:
                    server: smtp.example.org
                    username: lb4j
                    passwordFile: PASSWORD
                    from: lb4j@example.org
                    to: [pacs-admins@example.org, it@example.org]
                  syslog: { server: 10.0.0.9, protocol: tcp, facility: local0 }
                  webhook: { url: "https://chat.example.org/hooks/lb4j" }
                """);
        Alerts alerts = config.alerts().orElseThrow().alerts();
        assertThat(alerts.rateLimit()).isEqualTo(Duration.ofMinutes(2));
        assertThat(alerts.attempts()).isEqualTo(4);
        Email email = (Email) alerts.channels().getFirst();
        assertThat(email.target()).isEqualTo("smtp.example.org:587");
        assertThat(email.startTls()).isTrue();
        assertThat(email.password()).containsExactly('s', '3', 'c', 'r', 'e', 't');
        assertThat(email.to()).containsExactly("pacs-admins@example.org", "it@example.org");
        assertThat(alerts.channels().get(1)).isEqualTo(new Syslog("10.0.0.9", 514, Syslog.Transport.TCP, "local0"));
        assertThat(alerts.channels().get(2).target()).isEqualTo("https://chat.example.org");
        assertThat(config.alerts().orElseThrow().webhook().orElseThrow().url())
                .isEqualTo(URI.create("https://chat.example.org/hooks/lb4j"));
    }

    @Test
    void aFileWithoutAlertsHasNone() {
        assertThat(ConfigLoader.parse(SERVICES, "pacs.yaml").alerts()).isEmpty();
    }

    @Test
    void mistakesAreRefusedAtTheirLineAndColumn() throws IOException {
        rejects("alerts: { emial: {} }\n", "pacs.yaml:7:11: unknown key \"emial\" in alerts (expected one of: email,"
                + " notifyScript, rateLimit, retry, syslog, webhook)");
        rejects("alerts: { rateLimit: 5m }\n", "pacs.yaml:7:9: alerts: no channel (expected: at least one of email,"
                + " syslog, webhook, notifyScript)");
        rejects("""
                alerts:
                  email: { server: smtp.example.org, port: 70000, from: a@example.org, to: [b@example.org] }
                """, "pacs.yaml:8:44: alerts.email.port: 70000 (expected: 1-65535, usually 587)");
        rejects("""
                alerts:
                  email: { server: smtp.example.org, from: lb4j, to: [b@example.org] }
                """, "pacs.yaml:8:44: alerts.email.from: \"lb4j\" (expected: an email address such as"
                + " pacs-admins@example.org)");
        rejects("""
                alerts:
                  email: { server: smtp.example.org, username: lb4j, from: a@example.org, to: [b@example.org] }
                """, "pacs.yaml:8:10: alerts.email: username without passwordFile (expected: both, for SMTP AUTH,"
                + " or neither)");
        rejects("""
                alerts:
                  email: { server: smtp.example.org, password: hunter2, from: a@example.org, to: [b@example.org] }
                """, "pacs.yaml:8:38: unknown key \"password\" in alerts.email (expected one of: from, passwordFile,"
                + " port, server, startTls, timeout, to, trustedCertificates, username)");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
        rejects("""
                alerts:
                  email:
                    server: smtp.example.org
                    username: lb4j
                    passwordFile: PASSWORD
                    from: a@example.org
                    to: [b@example.org]
                """, "pacs.yaml:11:19: alerts.email.passwordFile: " + password + " is readable by group and others"
                + " (mode 0644; expected: readable by its owner only: chmod 600 " + password + ")");
        rejects("alerts: { syslog: { server: 10.0.0.9, protocol: tls } }\n", "pacs.yaml:7:49: alerts.syslog.protocol:"
                + " \"tls\" (expected: udp | tcp)");
        rejects("alerts: { webhook: { url: \"ftp://example.org/x\" } }\n", "pacs.yaml:7:27: alerts.webhook.url:"
                + " ftp://example.org/x (expected: an http or https URL such as https://chat.example.org/hooks/lb4j)");
        rejects("scriptDirectories: [" + dir + "]\nalerts: { notifyScript: notify.sh }\n".replace("alerts", "alerts"),
                "pacs.yaml:8:25: alerts.notifyScript: notify.sh (expected: a script inside " + dir
                        + "; there is no such file)");
    }

    @Test
    void theNotifyScriptComesFromTheScriptDirectories() throws IOException {
        Path scripts = Files.createDirectory(dir.resolve("notify"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path script = Files.writeString(scripts.resolve("notify.sh"), "#!/bin/sh\ntrue\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        ApplianceConfig config = ConfigLoader.parse(SERVICES + "scriptDirectories: [" + scripts + "]\nalerts:\n"
                + "  notifyScript: { script: notify.sh, timeout: 5s }\n", "pacs.yaml");
        assertThat(config.alerts().orElseThrow().notifyScript().orElseThrow().directories())
                .isEqualTo(List.of(scripts));
        assertThat(config.alerts().orElseThrow().notifyScript().orElseThrow().timeout())
                .isEqualTo(Duration.ofSeconds(5));
    }
}
