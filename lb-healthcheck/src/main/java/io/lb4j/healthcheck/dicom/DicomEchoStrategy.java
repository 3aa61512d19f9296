package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.net.CheckTransport;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Runs {@link DicomEchoProbe}: on each checked port, an association proposing the Verification SOP Class with
 * Implicit VR Little Endian, a C-ECHO-RQ, and a pass only on C-ECHO-RSP status 0x0000; then A-RELEASE. A
 * rejection, abort, bad status, garbage, failed TLS handshake or silence is a failed attempt whose reason says
 * which, e.g. {@code "port 104: association rejected: called AE title not recognized"}.
 *
 * <p>Non-blocking: one Netty pipeline per port on the check event loop. Thread-safe; found by
 * {@link java.util.ServiceLoader}.
 */
public final class DicomEchoStrategy implements HealthCheckStrategy {

    private final DicomConnection connection;

    /** On the JVM-wide check event loop. */
    public DicomEchoStrategy() {
        this(CheckTransport.shared());
    }

    /** On the given event loop. */
    public DicomEchoStrategy(CheckTransport transport) {
        this.connection = new DicomConnection(Objects.requireNonNull(transport, "transport"));
    }

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof DicomEchoProbe;
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        DicomEchoProbe echo = (DicomEchoProbe) probe;
        return connection.check(target, context, echo.callingAeTitle(), echo.calledAeTitle(), echo.tls(),
                EchoExchange::new);
    }
}
