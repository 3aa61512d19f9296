package io.lb4j.healthcheck.negotiate;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class NegotiateStrategyTest {

    private final NegotiateStrategy strategy = new NegotiateStrategy();

    /** A tiny line server: answers "PONG x" to "PING x", after greeting with a banner. */
    private static void pingPong(Socket s) {
        try (InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            out.write("220 pacs ready\r\n".getBytes(StandardCharsets.US_ASCII));
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.append((char) b);
            }
            out.write(("PONG " + line.toString().strip().replaceFirst("^PING ", "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.read();
        } catch (IOException ignored) {
            // the probe may have gone
        }
    }

    @Test
    void replyMatchingThePatternPasses() {
        try (TestServer server = TestServer.loopback(ch -> pingPong(ch.socket()))) {
            assertThat(Loopback.run(strategy, NegotiateProbe.of("PING lb4j\n", "PONG lb4j"), Loopback.target(Duration.ofSeconds(5), server.port())))
                    .isEqualTo(CheckResult.ok());
        }
    }

    @Test
    void bannerAloneCanBeChecked() {
        try (TestServer server = TestServer.loopback(ch -> pingPong(ch.socket()))) {
            assertThat(Loopback.run(strategy, NegotiateProbe.of("", "^220 "), Loopback.target(Duration.ofSeconds(5), server.port())))
                    .isEqualTo(CheckResult.ok());
        }
    }

    @Test
    void replyWithoutMatchFailsWithWhatWasReceived() {
        try (TestServer server = TestServer.loopback(ch -> pingPong(ch.socket()))) {
            assertThat(Loopback.run(strategy, NegotiateProbe.of("PING x\n", "PONG y"), Loopback.target(Duration.ofMillis(500), server.port())))
                    .isEqualTo(CheckResult.failed("port " + server.port() + ": timed out after 500ms waiting for a reply matching /PONG y/"));
        }
    }

    @Test
    void peerThatClosesWithoutMatchFailsWithAPreview() {
        try (TestServer server = TestServer.loopback(Handler.send("500 go away\r\n"))) {
            assertThat(Loopback.run(strategy, NegotiateProbe.of("", "^220"), Loopback.target(Duration.ofSeconds(5), server.port())))
                    .isEqualTo(CheckResult.failed("port " + server.port()
                            + ": connection closed without a match for /^220/ in 13 bytes received: \"500 go away\\r\\n\""));
        }
    }
}
