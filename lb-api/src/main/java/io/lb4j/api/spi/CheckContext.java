package io.lb4j.api.spi;

/** What a {@link HealthCheckStrategy} may use while it runs an attempt. */
public interface CheckContext {

    /** The balancer's clock. */
    TaskClock clock();

    /** The balancer's view of the network. */
    Network network();
}
