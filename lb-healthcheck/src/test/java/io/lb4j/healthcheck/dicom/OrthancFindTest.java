package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.api.check.DicomTls;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testsupport.dicom.DicomImage;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * dicomFind() against a real PACS, Debian's Orthanc, on loopback: over plain DICOM with a study loaded by DCMTK's
 * {@code storescu}, and over DICOM TLS (Orthanc's {@code DicomTlsEnabled}) with certificates made by {@code openssl}
 * for the test, the balancer presenting a client certificate Orthanc trusts.
 */
class OrthancFindTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final DicomFindStrategy strategy = new DicomFindStrategy();

    @TempDir
    Path dir;

    @BeforeAll
    static void orthancInstalled() {
        assumeTrue(Command.missing("Orthanc", "storescu", "dcmdump", "openssl").isEmpty(),
                "Orthanc or DCMTK not installed: apt-get install -y orthanc dcmtk openssl");
        assumeTrue(DicomImage.unavailable().isEmpty(), () -> DicomImage.unavailable().orElseThrow());
    }

    /** Orthanc on loopback, its DICOM service on {@code port} (with TLS settings {@code tls}, JSON, or ""). */
    private ChildProcess orthanc(int port, String tls) throws IOException {
        Path config = dir.resolve("orthanc.json");
        Files.createDirectories(dir.resolve("storage"));
        Files.writeString(config, """
                {
                  "Name": "lb4j-test", "DicomAet": "PACS", "DicomPort": %d, "HttpPort": %d,
                  "StorageDirectory": "%s", "IndexDirectory": "%s",
                  "RemoteAccessAllowed": false, "AuthenticationEnabled": false, "HttpServerEnabled": false,
                  "DicomCheckCalledAet": true, "DicomAlwaysAllowEcho": true, "DicomAlwaysAllowStore": true,
                  "DicomAlwaysAllowFind": true, "DicomCheckModalityHost": false, "SaveJobs": false, "Plugins": [] %s
                }
                """.formatted(port, Loopback.freePort(), dir.resolve("storage"), dir.resolve("storage"), tls));
        return DicomPeers.start(port, Duration.ofSeconds(30), "Orthanc", config.toString());
    }

    private CheckResult find(DicomFindProbe probe, int port) {
        return Loopback.run(strategy, probe, Loopback.target(TIMEOUT, port));
    }

    @Test
    void orthancAnswersTheStudyLevelQueryAndFindsTheStoredStudy() throws IOException {
        int port = Loopback.freePort();
        try (ChildProcess pacs = orthanc(port, "")) {
            DicomImage image = DicomImage.write(dir.resolve("image.dcm"), 64, 64, 23);
            String study = DicomPeers.element(image.file(), "StudyInstanceUID");

            // Before the study is stored: Success without a match.
            assertThat(find(DicomFindProbe.of("LB4J", "PACS"), port)).isEqualTo(CheckResult.ok());
            assertThat(find(DicomFindProbe.of("LB4J", "PACS").study(study), port)).isEqualTo(CheckResult.failed(
                    "port " + port + ": C-FIND found no study matching StudyInstanceUID " + study));

            Command.run("storescu", "-aet", "MODALITY", "-aec", "PACS", "127.0.0.1", String.valueOf(port),
                    image.file().toString());

            assertThat(find(DicomFindProbe.of("LB4J", "PACS").study(study), port)).isEqualTo(CheckResult.ok());
            String patient = DicomPeers.element(image.file(), "PatientID");
            assertThat(find(DicomFindProbe.of("LB4J", "PACS").patient(patient), port)).isEqualTo(CheckResult.ok());
            // Orthanc checks the called AE title: a query addressed elsewhere is rejected.
            assertThat(find(DicomFindProbe.of("LB4J", "OTHER"), port).reason())
                    .startsWith("port " + port + ": association rejected");
        }
    }

    @Test
    void orthancOverDicomTlsAnswersWhenTheCertificatesAgreeAndTheWrongOneIsRefused() throws IOException {
        Path[] pacs = DicomPeers.selfSigned(dir, "pacs");
        Path[] balancer = DicomPeers.selfSigned(dir, "balancer");
        Path[] impostor = DicomPeers.selfSigned(dir, "impostor");
        int port = Loopback.freePort();
        String tls = """
                , "DicomTlsEnabled": true, "DicomTlsCertificate": "%s", "DicomTlsPrivateKey": "%s",
                  "DicomTlsTrustedCertificates": "%s", "DicomTlsRemoteCertificateRequired": true
                """.formatted(pacs[0], pacs[1], balancer[0]);
        try (ChildProcess orthanc = orthanc(port, tls)) {
            DicomFindProbe query = DicomFindProbe.of("LB4J", "PACS");
            DicomTls trusted = DicomTls.trusting(pacs[0]).withClientCertificate(balancer[0], balancer[1]);

            assertThat(find(query.tls(trusted), port)).as("Orthanc's output: %s", orthanc.text())
                    .isEqualTo(CheckResult.ok());
            // The PACS presents a certificate the balancer does not trust: refused, saying why.
            CheckResult wrong = find(query.tls(DicomTls.trusting(impostor[0])
                    .withClientCertificate(balancer[0], balancer[1])), port);
            assertThat(wrong.healthy()).isFalse();
            assertThat(wrong.reason()).startsWith("port " + port + ": TLS handshake failed: ")
                    .contains("unable to find valid certification path");
            // The balancer presents a certificate Orthanc does not trust: no query either.
            assertThat(find(query.tls(DicomTls.trusting(pacs[0]).withClientCertificate(impostor[0], impostor[1])),
                    port).healthy()).isFalse();
        }
    }

}
