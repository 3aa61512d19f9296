package io.lb4j.api.spi;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.status.ServiceCounters;

import java.time.Duration;
import java.util.Set;

/**
 * SPI: the data plane. An engine moves client traffic to the backend that the current {@link RoutingTable} of a
 * service picks; the control plane decides everything else. lb4j ships a Netty proxy engine, a packet engine and,
 * in the test kit, a simulated engine.
 *
 * <p>Lifecycle, all calls from the control plane: {@link #start}, then {@link #install} once per service (binding
 * its ports) and again for every new snapshot, {@link #expire} when a server is halted (or marked down under
 * {@link io.lb4j.api.OnDown#CLOSE}), {@link #uninstall} when a
 * service is removed, {@link #stop} last. Engines never silently degrade a forwarding method they cannot do into
 * another: the control plane refuses to install a service whose method is not in {@link #methods()}.
 */
public interface ForwardingEngine {

    /** A short name for messages and status, e.g. {@code proxy}. */
    String name();

    /** The forwarding methods this engine can do. */
    Set<ForwardingMethod> methods();

    /** Prepares the engine; called once before any service is installed. */
    void start(EngineContext context);

    /**
     * Installs the first snapshot of a service (binding its listeners) or swaps in a newer one. A newer snapshot for
     * the same service label must not disturb established connections; when its address, ports or protocol changed,
     * the engine binds what is new before it lets go of what is no longer wanted (connections on listeners that stay
     * are kept).
     *
     * @throws java.io.UncheckedIOException when a listener cannot be bound; nothing of the service stays installed
     */
    void install(RoutingTable table);

    /** Closes the service's listeners and its connections. */
    void uninstall(String service);

    /**
     * Ends every existing connection of {@code service} to {@code backend} (Halt, or DOWN under
     * {@link io.lb4j.api.OnDown#CLOSE}): clients reconnect elsewhere. Called after the snapshot without the backend
     * was installed.
     */
    void expire(String service, Backend backend);

    /** Stops accepting, lets connections finish for up to {@code grace}, then closes what is left. */
    void stop(Duration grace);

    /**
     * What the service's idle timeouts and connection and session caps did so far, for its status and metrics.
     * Called by the control plane under its lock whenever status is read: must be cheap and must not block.
     * The default, for engines that enforce none of them, is {@link ServiceCounters#NONE}; so is the answer for a
     * label that is not installed.
     */
    default ServiceCounters counters(String service) {
        return ServiceCounters.NONE;
    }
}
