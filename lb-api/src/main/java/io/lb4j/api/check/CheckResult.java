package io.lb4j.api.check;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one health-check attempt on one real server.
 *
 * @param healthy whether the attempt passed
 * @param reason  what was seen, e.g. {@code "port 5222: connection refused"}; "ok" when healthy
 * @param weight  the weight the attempt reports for the server (a feedback agent, a dynamic script); empty for the
 *                probes that only say up or down, which leave the weight as it is
 * @param ports   each port's outcome and latency, in the target's port order, when the check probes several ports
 *                one by one (the built-in connect, HTTP, DICOM, HL7 and negotiate checks); empty on one port (the
 *                verdict is the port's), for composite checks and for strategies that do not say. A connect check
 *                that fails lists the ports finished when its failed port decided the attempt
 */
public record CheckResult(boolean healthy, String reason, Optional<WeightReport> weight, List<PortCheck> ports) {

    private static final CheckResult OK = new CheckResult(true, "ok");

    /** Requires a reason; the port list is copied. */
    public CheckResult {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(weight, "weight");
        ports = List.copyOf(ports);
    }

    /** An attempt that does not report per-port outcomes. */
    public CheckResult(boolean healthy, String reason, Optional<WeightReport> weight) {
        this(healthy, reason, weight, List.of());
    }

    /** An attempt that reports no weight. */
    public CheckResult(boolean healthy, String reason) {
        this(healthy, reason, Optional.empty());
    }

    /** This result with each port's outcome, e.g. from a strategy that probed the ports in parallel. */
    public CheckResult withPorts(List<PortCheck> ports) {
        return new CheckResult(healthy, reason, weight, ports);
    }

    /** A passed attempt that reports {@code weight}, e.g. {@code passed(WeightReport.percent(75), "agent: 75%")}. */
    public static CheckResult passed(WeightReport weight, String reason) {
        return new CheckResult(true, reason, Optional.of(weight));
    }

    /** A passed attempt. */
    public static CheckResult ok() {
        return OK;
    }

    /** A failed attempt and why. */
    public static CheckResult failed(String reason) {
        return new CheckResult(false, reason);
    }
}
