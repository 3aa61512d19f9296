package io.lb4j.api.spi;

/** What the control plane gives a {@link ForwardingEngine} when it starts it. */
public interface EngineContext {

    /** The balancer's clock; engines use it for idle timeouts and the like. */
    TaskClock clock();
}
