package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.net.CheckTransport;

import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Runs {@link DicomFindProbe}: on each checked port, an association proposing the Study Root Query/Retrieve
 * Information Model - FIND with Implicit VR Little Endian, a study-level C-FIND-RQ, every pending C-FIND-RSP read,
 * and a pass only on the final status Success (with a match, when the probe names a study or patient); then
 * A-RELEASE. Anything else is a failed attempt whose reason says what, e.g.
 * {@code "port 104: C-FIND failed: status 0xA700 (refused: out of resources)"}.
 *
 * <p>Non-blocking: one Netty pipeline per port on the check event loop. Thread-safe; found by
 * {@link java.util.ServiceLoader}.
 */
public final class DicomFindStrategy implements HealthCheckStrategy {

    private final DicomConnection connection;

    /** On the JVM-wide check event loop. */
    public DicomFindStrategy() {
        this(CheckTransport.shared());
    }

    /** On the given event loop. */
    public DicomFindStrategy(CheckTransport transport) {
        this.connection = new DicomConnection(Objects.requireNonNull(transport, "transport"));
    }

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof DicomFindProbe;
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        DicomFindProbe find = (DicomFindProbe) probe;
        return connection.check(target, context, find.callingAeTitle(), find.calledAeTitle(), find.tls(),
                () -> new FindExchange(find));
    }
}
