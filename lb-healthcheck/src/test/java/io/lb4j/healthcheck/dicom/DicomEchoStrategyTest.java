package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.healthcheck.ConnectStrategy;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** dicomEcho() against DCMTK's real SCPs (Debian package dcmtk), cross-checked with DCMTK's own echoscu. */
class DicomEchoStrategyTest {

    private final DicomEchoStrategy strategy = new DicomEchoStrategy();

    @TempDir
    Path dir;

    @BeforeAll
    static void dcmtkInstalled() {
        assumeTrue(Command.missing("storescp", "dcmqrscp", "echoscu").isEmpty(),
                "DCMTK not installed: apt-get install -y dcmtk");
    }

    /** DCMTK's own C-ECHO SCU: its exit status. */
    private static int echoscu(String calledAeTitle, int port) {
        return Command.attempt(List.of("echoscu", "-aet", "LB4J", "-aec", calledAeTitle, "127.0.0.1",
                String.valueOf(port))).exitCode();
    }

    @Test
    void healthyStorescpAnswersTheEchoWithSuccess() {
        int port = Loopback.freePort();
        try (ChildProcess scp = scp(port, "storescp", "--aetitle", "PACS", String.valueOf(port))) {
            CheckResult result = Loopback.run(strategy, DicomEchoProbe.of("LB4J", "PACS"),
                    Loopback.target(Duration.ofSeconds(5), port));

            assertThat(result).isEqualTo(CheckResult.ok());
            // DCMTK's own SCU agrees.
            assertThat(echoscu("PACS", port)).isZero();
        }
    }

    @Test
    void scpThatDoesNotKnowTheCalledAeTitleRejectsTheAssociationWithThatReason() throws IOException {
        int port = Loopback.freePort();
        Path config = DicomPeers.qrConfig(dir, port, "R");
        try (ChildProcess scp = scp(port, "dcmqrscp", "-c", config.toString(), String.valueOf(port))) {
            CheckResult result = Loopback.run(strategy, DicomEchoProbe.of("LB4J", "WRONG"),
                    Loopback.target(Duration.ofSeconds(5), port));

            assertThat(result).isEqualTo(CheckResult.failed("port " + port + ": association rejected: called AE title not recognized"));
            assertThat(echoscu("WRONG", port)).isNotZero();
            // The same SCP addressed by its own title passes.
            assertThat(Loopback.run(strategy, DicomEchoProbe.of("LB4J", "PACS"), Loopback.target(Duration.ofSeconds(5), port)))
                    .isEqualTo(CheckResult.ok());
        }
    }

    @Test
    void refusingScpFailsWithTheRejectReason() {
        int port = Loopback.freePort();
        try (ChildProcess scp = scp(port, "storescp", "--refuse", String.valueOf(port))) {
            CheckResult result = Loopback.run(strategy, DicomEchoProbe.defaults(), Loopback.target(Duration.ofSeconds(5), port));

            assertThat(result.healthy()).isFalse();
            assertThat(result.reason()).startsWith("port " + port + ": association rejected");
        }
    }

    @Test
    void hungPacsThatStillAcceptsTcpFailsTheEchoButPassesConnect() {
        try (TestServer hung = TestServer.loopback(Handler.hold())) {
            var target = Loopback.target(Duration.ofMillis(500), hung.port());

            assertThat(Loopback.run(new ConnectStrategy(), ConnectProbe.INSTANCE, target)).isEqualTo(CheckResult.ok());
            assertThat(Loopback.run(strategy, DicomEchoProbe.defaults(), target)).isEqualTo(
                    CheckResult.failed("port " + hung.port() + ": timed out after 500ms waiting for A-ASSOCIATE-AC"));
        }
    }

    @Test
    void peerSpeakingAnotherProtocolIsAClearFailureNotAnException() {
        try (TestServer http = TestServer.loopback(Handler.send("HTTP/1.1 400 Bad Request\r\n\r\n"))) {
            CheckResult result = Loopback.run(strategy, DicomEchoProbe.defaults(), Loopback.target(Duration.ofSeconds(2), http.port()));

            // "HTTP/1.1 ..." reads as PDU type 0x48: refused from the header alone, without waiting for a body.
            assertThat(result).isEqualTo(CheckResult.failed(
                    "port " + http.port() + ": unknown PDU type 0x48 while waiting for A-ASSOCIATE-AC"));
        }
    }

    @Test
    void malformedAnswerIsAFailureThatSaysWhatIsWrong() {
        // An A-RELEASE-RP whose PDU length claims 6 bytes where PS3.8 allows exactly 4.
        try (TestServer broken = TestServer.loopback(connection -> TestServer.writeFully(connection,
                ByteBuffer.wrap(new byte[] {0x06, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0})))) {
            CheckResult result = Loopback.run(strategy, DicomEchoProbe.defaults(), Loopback.target(Duration.ofSeconds(2), broken.port()));

            assertThat(result).isEqualTo(CheckResult.failed("port " + broken.port()
                    + ": A-RELEASE-RP: PDU length 6 (expected: 4) while waiting for A-ASSOCIATE-AC"));
        }
    }

    @Test
    void closedPortIsRefused() {
        int port = Loopback.freePort();
        assertThat(Loopback.run(strategy, DicomEchoProbe.defaults(), Loopback.target(Duration.ofSeconds(2), port)))
                .isEqualTo(CheckResult.failed("port " + port + ": connection refused"));
    }

    private static ChildProcess scp(int port, String... command) {
        return DicomPeers.start(port, Duration.ofSeconds(15), command);
    }
}
