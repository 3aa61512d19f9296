package io.lb4j.api.spi;

import io.lb4j.api.VirtualService;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@code LoadBalancer.builder()} collected, handed to the {@link LoadBalancerProvider}.
 *
 * @param engine     the forwarding engine, or {@code null} for the control plane's default (the proxy engine)
 * @param services   the services, labels unique
 * @param clock      the clock, or {@code null} for a real-time clock the balancer owns and closes when it stops: the
 *                   control plane's default is a clock on the health-check event loop, so checks start, time out
 *                   and connect on one thread (its tasks must not block)
 * @param network    the network health checks use, or {@code null} for the real one
 * @param strategies health-check strategies to use before the ones found by {@link java.util.ServiceLoader}
 * @param scriptDirectories the only directories health-check scripts may run from (absolute, normalized; empty for
 *                   none), handed to strategies as {@link CheckContext#scriptDirectories()}
 */
public record LoadBalancerConfig(ForwardingEngine engine, List<VirtualService> services, TaskClock clock,
                                 Network network, List<HealthCheckStrategy> strategies, List<Path> scriptDirectories) {

    /** Copies the lists. */
    public LoadBalancerConfig {
        services = List.copyOf(services);
        strategies = List.copyOf(strategies);
        scriptDirectories = List.copyOf(scriptDirectories);
    }
}
