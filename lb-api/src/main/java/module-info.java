/**
 * lb4j's public model: immutable specs and their builders ({@code io.lb4j.api}, {@code io.lb4j.api.check}), the
 * running balancer's events and status ({@code io.lb4j.api.event}, {@code io.lb4j.api.status}) and the SPIs an
 * engine, a health check or a control plane implements ({@code io.lb4j.api.spi}).
 *
 * <p>The control plane is found with {@link java.util.ServiceLoader}: put module {@code io.lb4j.engine} on the
 * module path (or the {@code lb-engine} artifact on the class path). Validation helpers and the schedulers'
 * implementations ({@code io.lb4j.api.internal}) are exported only to the lb4j modules, which share its one way of
 * parsing and writing addresses.
 */
// The qualified exports name modules that are built after this one: javac cannot see them yet ("module not found").
@SuppressWarnings("module")
module io.lb4j.api {
    // Logging only inside (SystemTaskClock); no slf4j type is part of the API.
    requires org.slf4j;

    exports io.lb4j.api;
    exports io.lb4j.api.check;
    exports io.lb4j.api.event;
    exports io.lb4j.api.spi;
    exports io.lb4j.api.status;
    exports io.lb4j.api.internal to io.lb4j.engine, io.lb4j.healthcheck, io.lb4j.config, io.lb4j.ha, io.lb4j.admin,
            io.lb4j.appliance;

    uses io.lb4j.api.spi.LoadBalancerProvider;
}
