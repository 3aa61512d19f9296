package io.lb4j.api.check;

import java.util.Objects;

/**
 * The outcome of one health-check attempt on one real server.
 *
 * @param healthy whether the attempt passed
 * @param reason  what was seen, e.g. {@code "port 5222: connection refused"}; "ok" when healthy
 */
public record CheckResult(boolean healthy, String reason) {

    private static final CheckResult OK = new CheckResult(true, "ok");

    /** Requires a reason. */
    public CheckResult {
        Objects.requireNonNull(reason, "reason");
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
