package io.lb4j.api.spi;

import io.lb4j.api.LoadBalancer;

/**
 * SPI: the control plane behind {@link LoadBalancer#builder()}, found with {@link java.util.ServiceLoader}.
 * {@code io.lb4j:lb-engine} provides it.
 */
public interface LoadBalancerProvider {

    /** A balancer, not yet started, for the given configuration. */
    LoadBalancer create(LoadBalancerConfig config);
}
