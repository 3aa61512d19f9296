package io.lb4j.alerts;

import io.lb4j.testkit.VirtualClock;
import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Syslog alerts against a real receiver (Debian's rsyslog, imudp and imtcp on loopback): rsyslog's own parse of what
 * arrived (PRI, APP-NAME, MSGID, structured data) is asserted, over UDP and over TCP with octet counting.
 */
class SyslogAlertTest {

    @TempDir
    Path dir;

    @Test
    void anAlertArrivesAsAnRfc5424MessageOverUdpAndOverTcp() throws IOException {
        int udp = Peers.freePort();
        int tcp = Peers.freePort();
        try (ChildProcess rsyslog = Peers.rsyslog(dir, udp, tcp);
             AlertDispatcher alerts = Alerts.builder()
                     .syslog(Syslog.udp("127.0.0.1", udp).withFacility("local0"))
                     .syslog(Syslog.tcp("127.0.0.1", tcp))
                     .build().start(null, new VirtualClock())) {
            alerts.publish(new Alert(Instant.parse("2026-12-06T17:00:00Z"), Alert.Kind.REAL_SERVER,
                    "PACS/PrimaryCluster", "DOWN", Alert.Severity.WARNING,
                    "Real server PrimaryCluster (192.168.100.110) of service PACS is down: timed out after 5s"));

            Path received = dir.resolve("received.log");
            assertThat(Peers.await(() -> lines(received).size() == 2, Duration.ofSeconds(30)))
                    .as("two messages received; status %s; rsyslogd: %s", alerts.status(), rsyslog.text()).isTrue();
            String sd = "sd=[alert@32473 kind=\"REAL_SERVER\" name=\"PACS/PrimaryCluster\" state=\"DOWN\" count=\"1\"]";
            // local0 (16) * 8 + warning (4) = 132 over UDP; daemon (3) * 8 + 4 = 28 over TCP.
            assertThat(lines(received)).anySatisfy(l -> assertThat(l).startsWith("pri=132 app=lb4j msgid=alert " + sd
                    + " msg=[lb4j WARNING] REAL_SERVER PACS/PrimaryCluster DOWN on ").contains(
                    "Real server PrimaryCluster (192.168.100.110) of service PACS is down"));
            assertThat(lines(received)).anySatisfy(l -> assertThat(l).startsWith("pri=28 app=lb4j msgid=alert " + sd));
            assertThat(alerts.status()).allSatisfy(s -> assertThat(s.sent()).isEqualTo(1));
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}
