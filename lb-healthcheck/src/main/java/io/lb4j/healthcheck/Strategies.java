package io.lb4j.healthcheck;

import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.HealthCheckStrategy;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The health-check strategies a balancer can use: the ones it was given first, then every
 * {@link HealthCheckStrategy} found with {@link ServiceLoader}. Immutable.
 */
public final class Strategies {

    private final List<HealthCheckStrategy> strategies;

    private Strategies(List<HealthCheckStrategy> strategies) {
        this.strategies = List.copyOf(strategies);
    }

    /** {@code preferred} first, then those on the class path. */
    public static Strategies discover(List<HealthCheckStrategy> preferred) {
        List<HealthCheckStrategy> all = new ArrayList<>(preferred);
        ServiceLoader.load(HealthCheckStrategy.class, Strategies.class.getClassLoader()).forEach(all::add);
        return new Strategies(all);
    }

    /**
     * The first strategy that supports {@code probe}.
     *
     * @throws IllegalArgumentException naming the probe type when none does
     */
    public HealthCheckStrategy forProbe(Probe probe) {
        for (HealthCheckStrategy s : strategies) {
            if (s.supports(probe)) {
                return s;
            }
        }
        throw new IllegalArgumentException("healthCheck: \"" + probe.type() + "\" (expected: a probe type that a"
                + " HealthCheckStrategy on the class path supports; add its module or pass the strategy to"
                + " LoadBalancer.builder().healthCheckStrategy(..))");
    }
}
