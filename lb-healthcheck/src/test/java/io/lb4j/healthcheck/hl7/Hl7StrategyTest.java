package io.lb4j.healthcheck.hl7;

import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.HL7Service;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.protocol.ReceivingApplication;
import ca.uhn.hl7v2.validation.impl.ValidationContextFactory;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** hl7() against HAPI's real MLLP server and against hand-written peers for replies HAPI would never send. */
class Hl7StrategyTest {

    private final Hl7Strategy strategy = new Hl7Strategy();

    @Test
    void acceptedMessagePasses() throws Exception {
        try (HapiServer server = new HapiServer(AcknowledgmentCode.AA)) {
            assertThat(Loopback.run(strategy, Hl7Probe.defaults(), Loopback.target(Duration.ofSeconds(5), server.port)))
                    .isEqualTo(CheckResult.ok());
            assertThat(server.received.get()).startsWith("MSH|^~\\&|LB4J|LB4J|||").contains("|QRY^A19|LB4J");
        }
    }

    @Test
    void applicationErrorFailsWithTheErrorText() throws Exception {
        try (HapiServer server = new HapiServer(AcknowledgmentCode.AE)) {
            CheckResult result = Loopback.run(strategy, Hl7Probe.defaults(), Loopback.target(Duration.ofSeconds(5), server.port));

            assertThat(result.healthy()).isFalse();
            assertThat(result.reason())
                    .isEqualTo("port " + server.port + ": HL7 AE (application error): Application internal error: database offline");
        }
    }

    @Test
    void applicationRejectFails() throws Exception {
        try (HapiServer server = new HapiServer(AcknowledgmentCode.AR)) {
            CheckResult result = Loopback.run(strategy, Hl7Probe.defaults(), Loopback.target(Duration.ofSeconds(5), server.port));

            assertThat(result.healthy()).isFalse();
            assertThat(result.reason()).startsWith("port " + server.port + ": HL7 AR (application reject)");
        }
    }

    @Test
    void ackForAnotherControlIdFails() {
        try (TestServer peer = TestServer.loopback(ch -> replyMllp(ch.socket(), "MSH|^~\\&|PACS||LB4J||20250101||ACK|1|P|2.5\rMSA|AA|SOMEONE-ELSE\r"))) {
            CheckResult result = Loopback.run(strategy, Hl7Probe.defaults(), Loopback.target(Duration.ofSeconds(2), peer.port()));

            assertThat(result.healthy()).isFalse();
            assertThat(result.reason()).startsWith("port " + peer.port() + ": ACK for control ID \"SOMEONE-ELSE\" (expected: \"LB4J");
        }
    }

    @Test
    void garbageReplyFailsWithAPreview() {
        try (TestServer peer = TestServer.loopback(ch -> replyMllp(ch.socket(), "hello\u0007"))) {
            assertThat(Loopback.run(strategy, Hl7Probe.defaults(), Loopback.target(Duration.ofSeconds(2), peer.port())))
                    .isEqualTo(CheckResult.failed("port " + peer.port() + ": reply is not an HL7 message: \"hello\\x07\""));
        }
    }

    @Test
    void silentReceiverTimesOut() {
        try (TestServer peer = TestServer.loopback(Handler.hold())) {
            assertThat(Loopback.run(strategy, Hl7Probe.defaults(), Loopback.target(Duration.ofMillis(400), peer.port())))
                    .isEqualTo(CheckResult.failed("port " + peer.port() + ": timed out after 400ms waiting for HL7 ACK"));
        }
    }

    @Test
    void templateGetsAFreshControlIdAndTimestamp() {
        String a = Hl7Messages.fill(Hl7Probe.DEFAULT_TEMPLATE, "LB4Jabc1", Instant.parse("2025-03-04T05:06:07Z"));
        assertThat(a).startsWith("MSH|^~\\&|LB4J|LB4J|||20250304050607||QRY^A19|LB4Jabc1|P|2.5\rQRD|");
    }

    /** Reads one MLLP frame from the probe and answers {@code reply} in a frame; ACK control IDs come from the test. */
    private static void replyMllp(java.net.Socket s, String reply) {
        try (InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int b;
            while ((b = in.read()) >= 0 && b != 0x1C) {
                // read up to the end block
            }
            in.read();
            out.write(0x0B);
            out.write(reply.getBytes(StandardCharsets.UTF_8));
            out.write(new byte[]{0x1C, 0x0D});
            out.flush();
            in.read(); // hold the connection until the probe closes it
        } catch (IOException ignored) {
            // the probe may have gone
        }
    }

    /** HAPI's MLLP server answering every message with the given acknowledgment code. */
    private static final class HapiServer implements AutoCloseable {
        final int port = Loopback.freePort();
        final AtomicReference<String> received = new AtomicReference<>();
        private final HapiContext context = new DefaultHapiContext();
        private final HL7Service service;

        HapiServer(AcknowledgmentCode code) throws InterruptedException {
            context.setValidationContext(ValidationContextFactory.noValidation());
            // HAPI's default ID generator writes ./id_file into the working tree.
            context.getParserConfiguration().setIdGenerator(new ca.uhn.hl7v2.util.idgenerator.InMemoryIDGenerator());
            service = context.newServer(port, false);
            service.registerApplication("*", "*", new ReceivingApplication<Message>() {
                @Override
                public Message processMessage(Message message, Map<String, Object> metadata) throws HL7Exception {
                    try {
                        received.set(message.encode());
                        return code == AcknowledgmentCode.AA ? message.generateACK()
                                : message.generateACK(code, new HL7Exception("database offline"));
                    } catch (IOException e) {
                        throw new HL7Exception(e);
                    }
                }

                @Override
                public boolean canProcess(Message message) {
                    return true;
                }
            });
            service.startAndWait();
        }

        @Override
        public void close() throws IOException {
            service.stopAndWait();
            context.close();
        }
    }
}
