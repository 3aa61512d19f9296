package io.lb4j.examples.config;

import io.lb4j.api.VirtualService;

import java.util.List;
import java.util.Objects;

/**
 * A whole appliance file, checked: the engine to run and the virtual services, each built and validated by the same
 * builders an embedder calls, so a file that loads is one {@code LoadBalancer.builder()} accepts. Immutable.
 *
 * @param engine   the forwarding engine and its options
 * @param services the services in file order; labels unique, no VIP port used twice
 */
public record ApplianceConfig(EngineConfig engine, List<VirtualService> services) {

    /** Copies the list. */
    public ApplianceConfig {
        Objects.requireNonNull(engine, "engine");
        services = List.copyOf(services);
    }
}
