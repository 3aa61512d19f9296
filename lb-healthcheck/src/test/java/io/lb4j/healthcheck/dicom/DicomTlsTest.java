package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.DicomTls;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * DICOM TLS against DCMTK's {@code storescp --enable-tls} (Debian's DCMTK is built with OpenSSL), with certificates
 * made by {@code openssl} for each test: the PACS's certificate verified against the configured one, a wrong one
 * refused with the reason, and a client certificate for a PACS that requires one.
 */
class DicomTlsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final DicomEchoStrategy strategy = new DicomEchoStrategy();

    @TempDir
    Path dir;

    @BeforeAll
    static void dcmtkWithTls() {
        assumeTrue(Command.missing("storescp", "echoscu", "openssl").isEmpty(),
                "DCMTK or OpenSSL not installed: apt-get install -y dcmtk openssl");
        assumeTrue(Command.run("storescp", "--help").contains("--enable-tls"), "this DCMTK is built without TLS");
    }

    /** storescp with TLS on {@code port}; it verifies a client certificate only when {@code clientCa} is given. */
    private static ChildProcess tlsScp(int port, Path[] server, Path clientCa) {
        List<String> command = new ArrayList<>(List.of("storescp", "--aetitle", "PACS", "+tls",
                server[1].toString(), server[0].toString(), "-pw"));
        if (clientCa != null) {
            command.addAll(List.of("--require-peer-cert", "+cf", clientCa.toString()));
        } else {
            command.add("--ignore-peer-cert");
        }
        command.add(String.valueOf(port));
        return DicomPeers.start(port, Duration.ofSeconds(15), command.toArray(String[]::new));
    }

    private CheckResult echo(DicomTls tls, int port) {
        return Loopback.run(strategy, DicomEchoProbe.of("LB4J", "PACS").tls(tls), Loopback.target(TIMEOUT, port));
    }

    @Test
    void pacsWhoseCertificateIsTrustedAnswersTheEchoOverTls() {
        Path[] pacs = DicomPeers.selfSigned(dir, "pacs");
        int port = Loopback.freePort();
        try (ChildProcess scp = tlsScp(port, pacs, null)) {
            assertThat(echo(DicomTls.trusting(pacs[0]), port)).isEqualTo(CheckResult.ok());

            // The same port without TLS is no DICOM service: the PACS drops the plain association.
            CheckResult plain = Loopback.run(strategy, DicomEchoProbe.of("LB4J", "PACS"),
                    Loopback.target(TIMEOUT, port));
            assertThat(plain.healthy()).isFalse();
        }
    }

    @Test
    void pacsWithAnUntrustedCertificateFailsWithTheHandshakeReason() {
        Path[] pacs = DicomPeers.selfSigned(dir, "pacs");
        Path[] impostor = DicomPeers.selfSigned(dir, "impostor");
        int port = Loopback.freePort();
        try (ChildProcess scp = tlsScp(port, pacs, null)) {
            CheckResult result = echo(DicomTls.trusting(impostor[0]), port);

            assertThat(result.healthy()).isFalse();
            assertThat(result.reason()).startsWith("port " + port + ": TLS handshake failed: ")
                    .contains("unable to find valid certification path");
            // The JVM's own trust store does not know a self-signed PACS either.
            assertThat(echo(DicomTls.systemTrust(), port).reason()).startsWith("port " + port
                    + ": TLS handshake failed: ");
        }
    }

    @Test
    void pacsThatRequiresAClientCertificateAcceptsTheConfiguredOne() {
        Path[] pacs = DicomPeers.selfSigned(dir, "pacs");
        Path[] balancer = DicomPeers.selfSigned(dir, "balancer");
        int port = Loopback.freePort();
        try (ChildProcess scp = tlsScp(port, pacs, balancer[0])) {
            DicomTls tls = DicomTls.trusting(pacs[0]);

            assertThat(echo(tls.withClientCertificate(balancer[0], balancer[1]), port)).isEqualTo(CheckResult.ok());
            // Without one the PACS ends the handshake.
            assertThat(echo(tls, port).healthy()).isFalse();
        }
    }

    @Test
    void unreadableTrustFileFailsTheAttemptNamingIt() {
        Path missing = dir.resolve("missing.pem");
        CheckResult result = echo(DicomTls.trusting(missing), Loopback.freePort());

        assertThat(result).isEqualTo(CheckResult.failed("cannot set up DICOM TLS: tls.trustedCertificates: " + missing
                + " cannot be read"));
    }
}
