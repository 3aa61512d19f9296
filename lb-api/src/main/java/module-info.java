/**
 * lb4j's public model: immutable specs and their builders ({@code io.lb4j.api}, {@code io.lb4j.api.check}), the
 * running balancer's events and status ({@code io.lb4j.api.event}, {@code io.lb4j.api.status}) and the SPIs an
 * engine, a health check or a control plane implements ({@code io.lb4j.api.spi}).
 *
 * <p>The control plane is found with {@link java.util.ServiceLoader}: put module {@code io.lb4j.engine} on the
 * module path (or the {@code lb-engine} artifact on the class path). Validation helpers and the schedulers'
 * implementations ({@code io.lb4j.api.internal}) are not exported.
 */
module io.lb4j.api {
    // Logging only inside (SystemTaskClock); no slf4j type is part of the API.
    requires org.slf4j;

    exports io.lb4j.api;
    exports io.lb4j.api.check;
    exports io.lb4j.api.event;
    exports io.lb4j.api.spi;
    exports io.lb4j.api.status;

    uses io.lb4j.api.spi.LoadBalancerProvider;
}
