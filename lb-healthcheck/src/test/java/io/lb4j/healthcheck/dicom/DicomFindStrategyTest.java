package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testsupport.dicom.DicomImage;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * dicomFind() against DCMTK's query/retrieve SCP {@code dcmqrscp} holding a real study (loaded with DCMTK's
 * {@code storescu}), cross-checked with DCMTK's own {@code findscu}; and against a DICOM service that does not do
 * queries.
 */
class DicomFindStrategyTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final DicomFindStrategy strategy = new DicomFindStrategy();

    @TempDir
    Path dir;

    @BeforeAll
    static void dcmtkInstalled() {
        assumeTrue(Command.missing("storescp", "dcmqrscp", "storescu", "findscu", "dcmdump").isEmpty(),
                "DCMTK not installed: apt-get install -y dcmtk");
        assumeTrue(DicomImage.unavailable().isEmpty(), () -> DicomImage.unavailable().orElseThrow());
    }

    @Test
    void pacsHoldingTheConfiguredStudyPassesAndAnUnknownStudyFailsWithTheKey() throws IOException {
        int port = Loopback.freePort();
        try (ChildProcess pacs = dcmqrscp(port)) {
            DicomImage image = DicomImage.write(dir.resolve("image.dcm"), 64, 64, 17);
            Command.run("storescu", "-aet", "MODALITY", "-aec", "PACS", "127.0.0.1", String.valueOf(port),
                    image.file().toString());
            String study = DicomPeers.element(image.file(), "StudyInstanceUID");
            String patient = DicomPeers.element(image.file(), "PatientID");

            // The stored study, by UID and by patient: found, so healthy.
            assertThat(find(DicomFindProbe.of("LB4J", "PACS").study(study), port)).isEqualTo(CheckResult.ok());
            assertThat(find(DicomFindProbe.of("LB4J", "PACS").patient(patient), port)).isEqualTo(CheckResult.ok());
            // Any study: a Success is enough.
            assertThat(find(DicomFindProbe.of("LB4J", "PACS"), port)).isEqualTo(CheckResult.ok());
            // A study the PACS does not hold: it answers Success with no match, and that fails, naming the key.
            assertThat(find(DicomFindProbe.of("LB4J", "PACS").study("1.2.3.4.5"), port)).isEqualTo(CheckResult.failed(
                    "port " + port + ": C-FIND found no study matching StudyInstanceUID 1.2.3.4.5"));
            // DCMTK's own SCU finds the study the check found.
            assertThat(Command.run("findscu", "-S", "-aet", "LB4J", "-aec", "PACS", "-k", "QueryRetrieveLevel=STUDY",
                    "-k", "StudyInstanceUID=" + study, "127.0.0.1", String.valueOf(port), "-v"))
                    .contains("Find Response: 1 (Pending)");
        }
    }

    @Test
    void emptyPacsAnswersSuccessWhichPassesWhenNoStudyIsNamed() throws IOException {
        int port = Loopback.freePort();
        try (ChildProcess pacs = dcmqrscp(port)) {
            assertThat(find(DicomFindProbe.of("LB4J", "PACS"), port)).isEqualTo(CheckResult.ok());
            assertThat(find(DicomFindProbe.of("LB4J", "PACS").patient("NOBODY"), port)).isEqualTo(CheckResult.failed(
                    "port " + port + ": C-FIND found no study matching PatientID NOBODY"));
        }
    }

    @Test
    void dicomServiceThatDoesNotAnswerQueriesFailsNamingTheRefusedSopClass() {
        int port = Loopback.freePort();
        // storescp answers C-ECHO and stores, but has no query model.
        try (ChildProcess scp = DicomPeers.start(port, Duration.ofSeconds(15), "storescp", "--aetitle", "PACS",
                String.valueOf(port))) {
            CheckResult result = find(DicomFindProbe.of("LB4J", "PACS"), port);

            assertThat(result.healthy()).isFalse();
            assertThat(result.reason()).startsWith("port " + port
                    + ": Study Root Query/Retrieve Information Model - FIND not accepted: ");
        }
    }

    private CheckResult find(DicomFindProbe probe, int port) {
        return Loopback.run(strategy, probe, Loopback.target(TIMEOUT, port));
    }

    private ChildProcess dcmqrscp(int port) throws IOException {
        return DicomPeers.start(port, Duration.ofSeconds(15), "dcmqrscp", "-c",
                DicomPeers.qrConfig(dir, port, "RW").toString(), String.valueOf(port));
    }
}
