package io.lb4j.api.check;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of one health-check attempt on one real server.
 *
 * @param healthy whether the attempt passed
 * @param reason  what was seen, e.g. {@code "port 5222: connection refused"}; "ok" when healthy
 * @param weight  the weight the attempt reports for the server (a feedback agent, a dynamic script); empty for the
 *                probes that only say up or down, which leave the weight as it is
 */
public record CheckResult(boolean healthy, String reason, Optional<WeightReport> weight) {

    private static final CheckResult OK = new CheckResult(true, "ok");

    /** Requires a reason. */
    public CheckResult {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(weight, "weight");
    }

    /** An attempt that reports no weight. */
    public CheckResult(boolean healthy, String reason) {
        this(healthy, reason, Optional.empty());
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
