package io.lb4j.api.spi;

import io.lb4j.api.check.ExternalProbe;

import java.nio.file.Path;
import java.util.List;

/** What a {@link HealthCheckStrategy} may use while it runs an attempt. */
public interface CheckContext {

    /** The balancer's clock. */
    TaskClock clock();

    /** The balancer's view of the network. */
    Network network();

    /**
     * The only directories a strategy may run scripts from ({@code LoadBalancer.builder().scriptDirectories(..)}):
     * absolute, normalized; empty when no script may run. The default, for contexts that do not say, is
     * {@value ExternalProbe#DEFAULT_SCRIPT_DIRECTORY}.
     */
    default List<Path> scriptDirectories() {
        return List.of(Path.of(ExternalProbe.DEFAULT_SCRIPT_DIRECTORY));
    }
}
