package io.lb4j.engine.director;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.spi.LoadBalancerConfig;
import io.lb4j.api.spi.LoadBalancerProvider;

/**
 * The control plane behind {@link LoadBalancer#builder()}: registered with {@link java.util.ServiceLoader}, so
 * having {@code io.lb4j:lb-engine} on the class path is all a user needs.
 */
public final class DirectorProvider implements LoadBalancerProvider {

    @Override
    public LoadBalancer create(LoadBalancerConfig config) {
        return new Director(config);
    }
}
