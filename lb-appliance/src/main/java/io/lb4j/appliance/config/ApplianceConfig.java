package io.lb4j.appliance.config;

import io.lb4j.api.VirtualService;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole appliance file, checked: the engine to run, the virtual services, each built and validated by the same
 * builders an embedder calls, so a file that loads is one {@code LoadBalancer.builder()} accepts, the admin
 * server's settings when the file has {@code admin:}, and this node's half of a clustered pair when it has
 * {@code ha:}. Immutable.
 *
 * @param engine   the forwarding engine and its options
 * @param services the services in file order; labels unique, no VIP port used twice
 * @param admin    the {@code admin:} section, or empty when the file has none (no admin server)
 * @param ha       the {@code ha:} section, or empty when the file has none (a single balancer, no pair)
 * @param scriptDirectories the only directories {@code external} check scripts may come from
 *                 ({@code scriptDirectories:}, default {@code [/etc/lb4j/checks]}); changes only with a restart
 * @param snmp     the {@code snmp:} section, or empty when the file has none (no SNMP agent); changes only with a
 *                 restart
 * @param alerts   the {@code alerts:} section, or empty when the file has none (no alerts); changes only with a
 *                 restart
 * @param cluster  the {@code cluster:} section, or empty when the file has none (no route announcement); changes
 *                 only with a restart
 */
public record ApplianceConfig(EngineConfig engine, List<VirtualService> services, Optional<AdminConfig> admin,
                              Optional<HaConfig> ha, List<Path> scriptDirectories, Optional<SnmpConfig> snmp,
                              Optional<AlertsConfig> alerts, Optional<ClusterConfig> cluster) {

    /** Where check scripts come from when the file does not say: keepalived's idea, lb4j's directory. */
    public static final List<Path> DEFAULT_SCRIPT_DIRECTORIES = List.of(Path.of("/etc/lb4j/checks"));

    /** Copies the lists. */
    public ApplianceConfig {
        Objects.requireNonNull(engine, "engine");
        services = List.copyOf(services);
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(ha, "ha");
        scriptDirectories = List.copyOf(scriptDirectories);
        Objects.requireNonNull(snmp, "snmp");
        Objects.requireNonNull(alerts, "alerts");
        Objects.requireNonNull(cluster, "cluster");
    }

    /** A file without the operations sections ({@code snmp:}, {@code alerts:}, {@code cluster:}). */
    public ApplianceConfig(EngineConfig engine, List<VirtualService> services, Optional<AdminConfig> admin,
                           Optional<HaConfig> ha, List<Path> scriptDirectories) {
        this(engine, services, admin, ha, scriptDirectories, Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** A file without {@code scriptDirectories:}. */
    public ApplianceConfig(EngineConfig engine, List<VirtualService> services, Optional<AdminConfig> admin,
                           Optional<HaConfig> ha) {
        this(engine, services, admin, ha, DEFAULT_SCRIPT_DIRECTORIES);
    }

    /** A file without {@code ha:}. */
    public ApplianceConfig(EngineConfig engine, List<VirtualService> services, Optional<AdminConfig> admin) {
        this(engine, services, admin, Optional.empty());
    }

    /** A file without {@code admin:} and {@code ha:}. */
    public ApplianceConfig(EngineConfig engine, List<VirtualService> services) {
        this(engine, services, Optional.empty(), Optional.empty());
    }
}
