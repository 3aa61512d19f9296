package io.lb4j.alerts;

import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real peers the alert channels are tested against, each a Debian package run as a child process on loopback
 * with its configuration in a temporary directory: an SMTP server (python3-aiosmtpd: STARTTLS and AUTH required, a
 * self-signed certificate made with openssl) and a syslog receiver (rsyslog with imudp and imtcp).
 */
final class Peers {

    static final String SMTP_USER = "lb4j";
    static final String SMTP_PASSWORD = "s3cret-Alerts";
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private Peers() {
    }

    /** A free loopback port (nothing listens on it once this returns). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A self-signed certificate for localhost and 127.0.0.1: {@code cert.pem} and {@code key.pem} in {@code dir}. */
    static Path certificate(Path dir) {
        Command.run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(), "-days", "2", "-subj",
                "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
        return dir.resolve("cert.pem");
    }

    /** aiosmtpd on 127.0.0.1:{@code port}; each message lands in {@code maildir} as {@code N.eml}. */
    static ChildProcess smtp(Path dir, int port, Path maildir) throws IOException {
        assumeTrue(Files.isExecutable(PYTHON) && Command.attempt(List.of(PYTHON.toString(), "-c",
                "import aiosmtpd")).exitCode() == 0, "python3-aiosmtpd is not installed (apt-get install"
                + " python3-aiosmtpd)");
        Path script = dir.resolve("smtp-server.py");
        try (InputStream in = Peers.class.getResourceAsStream("smtp-server.py")) {
            Files.write(script, in.readAllBytes());
        }
        Files.createDirectories(maildir);
        ChildProcess smtp = ChildProcess.start("aiosmtpd", List.of(PYTHON.toString(), script.toString(),
                Integer.toString(port), dir.resolve("cert.pem").toString(), dir.resolve("key.pem").toString(),
                SMTP_USER, SMTP_PASSWORD, maildir.toString()));
        assertThat(smtp.await(0, l -> l.equals("LISTENING"), Duration.ofSeconds(30)))
                .as("aiosmtpd started: %s", smtp.text()).isPresent();
        return smtp;
    }

    /**
     * rsyslogd in the foreground on 127.0.0.1 ({@code udpPort}, {@code tcpPort}), writing each message it parsed to
     * {@code dir/received.log} as {@code pri=.. app=.. msgid=.. sd=.. msg=..}.
     */
    static ChildProcess rsyslog(Path dir, int udpPort, int tcpPort) throws IOException {
        assumeTrue(Command.installed("rsyslogd"), "rsyslog is not installed (apt-get install rsyslog)");
        Path conf = Files.writeString(dir.resolve("rsyslog.conf"), """
                global(workDirectory="%1$s")
                module(load="imudp")
                module(load="imtcp")
                input(type="imudp" address="127.0.0.1" port="%2$d")
                input(type="imtcp" address="127.0.0.1" port="%3$d")
                template(name="fields" type="string"
                         string="pri=%%pri%% app=%%app-name%% msgid=%%msgid%% sd=%%structured-data%% msg=%%msg%%\\n")
                *.* action(type="omfile" file="%1$s/received.log" template="fields")
                """.formatted(dir, udpPort, tcpPort));
        ChildProcess rsyslog = ChildProcess.start("rsyslogd", List.of("rsyslogd", "-n", "-f", conf.toString(), "-i",
                dir.resolve("rsyslogd.pid").toString()));
        rsyslog.awaitListening(new java.net.InetSocketAddress("127.0.0.1", tcpPort), Duration.ofSeconds(30));
        return rsyslog;
    }

    /** Polls {@code condition} until it holds or {@code timeout} passes. */
    static boolean await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20); // polling a peer's output file, not waiting for a state of ours
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
