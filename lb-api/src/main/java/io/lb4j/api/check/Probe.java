package io.lb4j.api.check;

/**
 * What one health-check attempt does, as a value: the built-in probes are records in this package, and a user's
 * own probe is any implementation for which a {@link io.lb4j.api.spi.HealthCheckStrategy} says it
 * {@link io.lb4j.api.spi.HealthCheckStrategy#supports supports} it.
 *
 * <p>Implementations must be immutable and have value equality, so that {@code reconfigure} can tell an
 * unchanged check from a changed one.
 */
public interface Probe {

    /** A short name for logs, events and configuration files, e.g. {@code connect}. */
    String type();

    /**
     * What an attempt that reached its timeout means, given the monitor's {@code reason} (e.g. {@code "timed out
     * after 5s"}): a failed attempt, unless the probe says otherwise. A feedback agent that does not answer leaves
     * its server up at its configured weight ({@link AgentProbe}).
     */
    default CheckResult onTimeout(String reason) {
        return CheckResult.failed(reason);
    }
}
