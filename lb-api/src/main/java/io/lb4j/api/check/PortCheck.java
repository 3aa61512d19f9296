package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one port in a health-check attempt that probes several ports one by one (e.g. a connect check on
 * every port of a service): which port failed, why, and how long each one took to answer.
 *
 * @param port    the port probed, 1-65535
 * @param ok      whether the port passed
 * @param reason  "ok" when it passed, otherwise what was seen, e.g. {@code "connection refused"}
 * @param latency the time from the attempt's start until the port answered or failed; never negative
 */
public record PortCheck(int port, boolean ok, String reason, Duration latency) {

    /** Validates the port and requires a reason and a non-negative latency. */
    public PortCheck {
        Checks.inRange("port", port, 1, 65535);
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw Checks.invalid("latency", latency, "zero or more");
        }
    }
}
