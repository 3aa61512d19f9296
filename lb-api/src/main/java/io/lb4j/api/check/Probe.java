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
}
