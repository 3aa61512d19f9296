package io.lb4j.api;

import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.event.EventStream;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.internal.Checks;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.api.spi.LoadBalancerConfig;
import io.lb4j.api.spi.LoadBalancerProvider;
import io.lb4j.api.spi.Network;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.api.status.BalancerStatus;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * A running load balancer: virtual services on a forwarding engine, with health checks, failover and the operator
 * commands of the appliance (Halt, Drain, Online).
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder()
 *     .engine(ProxyEngine.create())
 *     .service(pacs)
 *     .build();
 * lb.start();
 * lb.halt("PACS", "PrimaryCluster");   // manual failover: new connections go to the fallback
 * }</pre>
 *
 * <p>Thread-safe. Commands take effect before they return: the next new connection already sees them.
 * Operator states (halted, draining) survive health-check results; {@link #online} clears them.
 */
public interface LoadBalancer extends AutoCloseable {

    /**
     * Starts health checks and binds every service's ports.
     *
     * @throws IllegalStateException       when already started, or the engine cannot forward a service's method
     * @throws java.io.UncheckedIOException when a port cannot be bound; nothing stays bound
     */
    void start();

    /** Stops gracefully: stops accepting, lets connections finish for up to 10 s, then closes them. Idempotent. */
    default void stop() {
        stop(Duration.ofSeconds(10));
    }

    /** Stops, letting connections finish for up to {@code grace}. Idempotent. */
    void stop(Duration grace);

    /** {@link #stop()}. */
    @Override
    default void close() {
        stop();
    }

    /**
     * Halts a real server: no new connections, and existing flows are expired so clients reconnect to the other
     * servers or the fallback. Stays halted until {@link #online}.
     *
     * @throws NoSuchElementException naming the service or real server when there is none
     */
    void halt(String service, String realServer);

    /**
     * Drains a real server: no new connections, existing ones continue. Stays draining until {@link #online}.
     *
     * @throws NoSuchElementException naming the service or real server when there is none
     */
    void drain(String service, String realServer);

    /**
     * Clears halt or drain: the server takes new connections again when its health check allows (and, under a
     * manual fail-back policy, this is what fails a service back).
     *
     * @throws NoSuchElementException naming the service or real server when there is none
     */
    void online(String service, String realServer);

    /** An immutable snapshot of every service and real server. */
    BalancerStatus status();

    /** The event stream. */
    EventStream events();

    /** The services as currently configured. */
    List<VirtualService> services();

    /**
     * Replaces the whole set of services atomically. Unchanged services are untouched; a changed service keeps the
     * state (health, halt, drain), counters and connections of every real server whose label it keeps; removed
     * services are uninstalled; new ones are installed.
     *
     * @throws IllegalArgumentException when the set is invalid (duplicate labels, overlapping VIP ports, a check's
     *                                  probe refused by its strategy, e.g. a script outside the script
     *                                  directories); nothing changes
     */
    void reconfigure(Collection<VirtualService> services);

    /** A builder that finds the control plane ({@code io.lb4j:lb-engine}) on the class path. */
    static Builder builder() {
        return new Builder();
    }

    /** Fluent builder for a {@link LoadBalancer}. Not thread-safe. */
    final class Builder {
        private ForwardingEngine engine;
        private final List<VirtualService> services = new ArrayList<>();
        private TaskClock clock;
        private Network network;
        private final List<HealthCheckStrategy> strategies = new ArrayList<>();
        private List<Path> scriptDirectories;

        Builder() {
        }

        /** The forwarding engine; default the proxy engine ({@code ProxyEngine.create()}), which needs no root. */
        public Builder engine(ForwardingEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /** Adds a service. */
        public Builder service(VirtualService service) {
            services.add(Objects.requireNonNull(service, "service"));
            return this;
        }

        /** Adds services. */
        public Builder services(Collection<VirtualService> services) {
            services.forEach(this::service);
            return this;
        }

        /**
         * The clock; default a real-time clock the balancer owns and closes when it stops (the control plane runs it on
         * its health-check event loop, so checks, their timeouts and timers share one thread).
         */
        public Builder clock(TaskClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The network health checks use; default real sockets. */
        public Builder network(Network network) {
            this.network = Objects.requireNonNull(network, "network");
            return this;
        }

        /** A health-check strategy to prefer over the ones found on the class path, e.g. for your own probe. */
        public Builder healthCheckStrategy(HealthCheckStrategy strategy) {
            strategies.add(Objects.requireNonNull(strategy, "strategy"));
            return this;
        }

        /**
         * The only directories {@code external} health-check scripts may run from; default
         * {@value ExternalProbe#DEFAULT_SCRIPT_DIRECTORY}. None at all forbids scripts. As keepalived's
         * {@code enable_script_security}: a script must be inside one of them once symbolic links are resolved, be
         * owned by root or the balancer's user, and neither it nor a directory from the configured one down to it may
         * be writable by its group or others. A script that breaks a rule fails {@link #build()} and
         * {@link LoadBalancer#reconfigure}, wherever the configuration came from (code, file, admin API, HA peer).
         *
         * @param directories absolute paths
         * @throws IllegalArgumentException naming a relative path
         * @throws IllegalStateException    when already set
         */
        public Builder scriptDirectories(Path... directories) {
            Objects.requireNonNull(directories, "scriptDirectories");
            if (scriptDirectories != null) {
                throw new IllegalStateException("scriptDirectories was already set to " + scriptDirectories);
            }
            List<Path> list = new ArrayList<>();
            for (Path d : directories) {
                Objects.requireNonNull(d, "scriptDirectories");
                if (!d.isAbsolute()) {
                    throw Checks.invalid("scriptDirectories", d, "absolute paths");
                }
                list.add(d.normalize());
            }
            scriptDirectories = List.copyOf(list);
            return this;
        }

        /**
         * @throws IllegalArgumentException when labels repeat, two services share a VIP port, or a check's probe is
         *                                  refused by its strategy (e.g. a script outside the script directories)
         * @throws IllegalStateException    when no control plane is on the class path, or the engine cannot forward a
         *                                  service's method
         */
        public LoadBalancer build() {
            validateServices(services);
            LoadBalancerProvider provider = ServiceLoader.load(LoadBalancerProvider.class).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no lb4j control plane on the class path"
                            + " (expected: the io.lb4j:lb-engine artifact as a dependency)"));
            List<Path> directories = scriptDirectories != null ? scriptDirectories
                    : List.of(Path.of(ExternalProbe.DEFAULT_SCRIPT_DIRECTORY));
            return provider.create(new LoadBalancerConfig(engine, services, clock, network, strategies, directories));
        }

        /**
         * Checks rules that span services: unique labels, and no VIP address, port and protocol used twice.
         *
         * @throws IllegalArgumentException naming the offending service and value
         */
        public static void validateServices(Collection<VirtualService> services) {
            Map<String, VirtualService> byLabel = new HashMap<>();
            Map<String, String> owners = new HashMap<>();
            for (VirtualService s : services) {
                if (byLabel.putIfAbsent(s.label(), s) != null) {
                    throw Checks.invalid("services", "\"" + s.label() + "\"", "unique labels; \"" + s.label()
                            + "\" is used twice");
                }
                for (int port : s.ports()) {
                    String key = key(s.address(), port, s.protocol());
                    String owner = owners.putIfAbsent(key, s.label());
                    if (owner != null) {
                        throw Checks.invalid("services[" + s.label() + "].ports", port, "a port not already used by "
                                + "service \"" + owner + "\" on " + Addresses.text(s.address()) + "/" + s.protocol());
                    }
                }
            }
        }

        private static String key(InetAddress address, int port, Protocol protocol) {
            return address.getHostAddress() + "|" + port + "|" + protocol;
        }
    }
}
