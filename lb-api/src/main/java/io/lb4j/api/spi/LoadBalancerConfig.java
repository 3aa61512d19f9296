package io.lb4j.api.spi;

import io.lb4j.api.VirtualService;

import java.util.List;
import java.util.Objects;

/**
 * What {@code LoadBalancer.builder()} collected, handed to the {@link LoadBalancerProvider}.
 *
 * @param engine     the forwarding engine, or {@code null} for the control plane's default (the proxy engine)
 * @param services   the services, labels unique
 * @param clock      the clock
 * @param network    the network health checks use, or {@code null} for the real one
 * @param strategies health-check strategies to use before the ones found by {@link java.util.ServiceLoader}
 */
public record LoadBalancerConfig(ForwardingEngine engine, List<VirtualService> services, TaskClock clock,
                                 Network network, List<HealthCheckStrategy> strategies) {

    /** Copies the lists and requires services and clock. */
    public LoadBalancerConfig {
        services = List.copyOf(services);
        Objects.requireNonNull(clock, "clock");
        strategies = List.copyOf(strategies);
    }
}
