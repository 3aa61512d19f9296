package io.lb4j.appliance;

import io.lb4j.admin.AdminServer;
import io.lb4j.admin.AlertDelivery;
import io.lb4j.alerts.AlertDispatcher;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.appliance.config.ApplianceConfig;
import io.lb4j.appliance.config.ClusterConfig;
import io.lb4j.appliance.config.ConfigLoader;
import io.lb4j.appliance.config.SnmpConfig;
import io.lb4j.ha.vrrp.VrrpState;
import io.lb4j.snmp.SnmpAgent;
import io.lb4j.snmp.VrrpRole;
import io.lb4j.ha.route.AnnouncingNode;
import io.lb4j.ha.route.BirdRouteAnnouncer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything an appliance file describes, built and checked but not started: the engine, the {@link LoadBalancer}
 * (through its builder, which refuses a forwarding method the engine lacks and a probe no health-check strategy
 * runs), the clustered node with its secret read ({@code ha:}) or the cluster's shared state ({@code cluster.peers},
 * {@link ClusterReplication}), the admin server with its users and key store loaded
 * ({@code admin:}), the SNMP agent ({@code snmp:}), the alerts with the SMTP password read ({@code alerts:}; they send
 * from the moment they are built, which is before anything can happen to alert on), and the sockets they will listen
 * on checked against each other ({@link Listeners}). Building binds
 * nothing: {@code --check} is {@link #prepare} and {@link #close()}, a start is {@link #prepare},
 * {@link #startBalancer()}, {@link #startAdmin()} and {@link #startSnmp()}, so whatever a start would refuse in the file, the check
 * refuses with the same message. The one thing {@code prepare} leaves behind is a self-signed admin certificate
 * generated into its directory ({@code admin.tls.selfSignedDirectory}), which a start keeps and reuses anyway.
 *
 * <p>Not thread-safe: the runner calls it under its own lock, except {@link #resign()}.
 */
final class PreparedAppliance {

    private final ApplianceConfig config;
    private final LoadBalancer balancer;
    private final ClusteredNode node; // null without ha:
    private final ClusterReplication replication; // null without cluster.peers
    private final AdminServer admin;  // null without admin:
    private final SnmpAgent snmp;     // null without snmp: or with enabled: false
    private final AlertDispatcher alerts; // null without alerts:
    private final PrintStream out;
    private final ClusterOperations clusterOps; // with cluster: and admin:, for the admin server
    private AnnouncingNode announcing; // with cluster:, once the balancer started
    private BirdRouteAnnouncer announcer; // with announcing
    private boolean balancerStarted;
    private boolean adminStarted;

    private PreparedAppliance(ApplianceConfig config, LoadBalancer balancer, ClusteredNode node,
                              ClusterReplication replication, AdminServer admin, SnmpAgent snmp,
                              AlertDispatcher alerts, ClusterOperations clusterOps, PrintStream out) {
        this.config = config;
        this.balancer = balancer;
        this.node = node;
        this.replication = replication;
        this.admin = admin;
        this.snmp = snmp;
        this.alerts = alerts;
        this.clusterOps = clusterOps;
        this.out = out;
    }

    /**
     * Builds every part of the appliance from a loaded file, in start order; a part that refuses its settings lets
     * go of what was built before it.
     *
     * @param reloadLock the runner's lock, which a {@code PUT /api/config} on a pair node takes like a reload
     * @param err        where host warnings go (a sysctl the pair needs)
     * @throws RuntimeException naming what the file asks that cannot be run: a forwarding method the engine cannot
     *                          do, a probe without a strategy, an unreadable secret or key store, a port taken twice
     */
    static PreparedAppliance prepare(ApplianceConfig config, Object reloadLock, PrintStream out, PrintStream err) {
        Listeners.checkNoClash(config);
        Optional<ClusterConfig.Replication> shared = config.cluster().flatMap(ClusterConfig::replication);
        ForwardingEngine engine = shared.isPresent() ? config.engine().createSyncingFlows()
                : config.engine().create(config.ha().isPresent());
        LoadBalancer balancer = LoadBalancer.builder().engine(engine)
                .scriptDirectories(config.scriptDirectories().toArray(Path[]::new)).services(config.services()).build();
        ClusteredNode node = null;
        ClusterReplication replication = null;
        try {
            balancer.events().subscribe(e -> out.println(StatusText.event(e)));
            if (config.ha().isPresent()) {
                warnIfVipsCannotBeBound(config, err);
                node = ClusteredNode.prepare(config.ha().get(), balancer, engine, out);
            }
            if (shared.isPresent()) {
                replication = ClusterReplication.prepare(shared.get(), balancer, engine);
            }
            AdminServer admin = null;
            // Built after the admin server (it counts into the server's registry); GET /api/alerts reads it here.
            AtomicReference<AlertDispatcher> alertsHolder = new AtomicReference<>();
            ClusterOperations clusterOps = null;
            if (config.admin().isPresent()) {
                // The cluster's routes and drain; its announcing node is attached when the balancer starts.
                clusterOps = config.cluster().map(ClusterOperations::new).orElse(null);
                ServiceReplication replicates = node != null ? node : replication;
                LoadBalancer managed = replicates == null ? balancer
                        : new ReplicatingBalancer(balancer, replicates, reloadLock);
                ClusteredNode pairNode = node;
                admin = config.admin().get().server(managed, ConfigLoader.codec(config),
                        pairNode == null ? null : () -> Optional.of(pairNode.pairStatus()),
                        config.alerts().isEmpty() ? null : () -> deliveries(alertsHolder.get()), clusterOps);
                // The engine's and the pair's meters beside the balancer's: lb-admin depends on neither.
                EngineMeters.of(engine).bindTo(admin.meterRegistry());
                if (pairNode != null) {
                    pairNode.meters().bindTo(admin.meterRegistry());
                }
                if (clusterOps != null) {
                    clusterOps.bindTo(admin.meterRegistry());
                    clusterOps.onChange(admin::clusterChanged);
                }
                if (pairNode != null) {
                    // Before start: pairChanged() is a no-op until then, and a page that connects later reads the
                    // state anyway. Every transition from now on reaches open pages at once.
                    pairNode.onStateChanged(admin::pairChanged);
                }
            }
            SnmpAgent snmp = config.snmp().filter(SnmpConfig::enabled).map(SnmpConfig::agent).orElse(null);
            if (snmp != null && node != null) {
                // The pair's state as LB4J-MIB's lb4jNodeVrrpState; each transition after start is a notification.
                snmp.vrrpState(VrrpRole.INITIALIZE);
                node.onTransition(t -> snmp.vrrpState(role(t.to())));
            }
            // Alerts last: the spec reads the SMTP password now; its meters go to the admin server's /metrics.
            AlertDispatcher alerts = config.alerts().isEmpty() ? null : config.alerts().get().alerts()
                    .start(admin == null ? null : admin.meterRegistry());
            if (alerts != null) {
                alertsHolder.set(alerts);
                alerts.attach(balancer);
                if (node != null) {
                    ClusteredNode pairNode = node;
                    node.onTransition(s -> alerts.publish(pairNode.alert(s)));
                }
            }
            return new PreparedAppliance(config, balancer, node, replication, admin, snmp, alerts, clusterOps, out);
        } catch (RuntimeException e) {
            if (node != null) {
                node.close();
            }
            if (replication != null) {
                replication.close();
            }
            balancer.stop(Duration.ZERO); // never started: only releases its clock
            throw e;
        }
    }

    /**
     * Starts the balancer: inside the pair with {@code ha:} (the balancer, VRRP, flow sync, replication), alone
     * otherwise. Binds the VIP ports.
     *
     * @throws RuntimeException when a port cannot be bound or the engine cannot run here; nothing stays running
     */
    void startBalancer() {
        if (node != null) {
            node.start(); // starts the balancer inside the pair
        } else {
            balancer.start();
        }
        balancerStarted = true;
        if (replication != null) {
            try {
                replication.start(); // before the routes: the other nodes learn this node's flows from the first
            } catch (RuntimeException e) {
                balancer.stop(Duration.ZERO);
                balancerStarted = false;
                throw e;
            }
            out.println("lb4j: cluster: " + replication.describe());
        }
        config.cluster().ifPresent(this::announce);
    }

    /**
     * Announces the balancer's VIPs through the routing daemon for as long as it can serve them ({@link AnnouncingNode}),
     * saying every change of a VIP's announcement on standard output.
     */
    private void announce(ClusterConfig cluster) {
        BirdRouteAnnouncer.Builder b = BirdRouteAnnouncer.builder().socket(cluster.socket())
                .configFile(cluster.configFile()).localAs(cluster.localAs()).bfd(cluster.bfd());
        cluster.neighbours().forEach(n -> b.neighbour(n.address(), n.as()));
        cluster.lifeline().ifPresent(b::lifeline);
        announcer = b.build();
        announcer.start();
        Optional<String> iface = config.engine().type().equals("packet")
                ? Optional.of(config.engine().networkInterface()) : Optional.empty();
        announcing = new AnnouncingNode(balancer, announcer, iface, ANNOUNCEMENT_CHECK);
        announcing.onChange(states -> {
            states.forEach((vip, state) -> out.println("lb4j: cluster: " + Addresses.text(vip) + " " + state));
            out.flush();
        });
        if (clusterOps != null) {
            clusterOps.attach(announcing);
        }
        announcing.start();
    }

    /** The announcement of a cluster node: what it announces follows its state within this. */
    static final Duration ANNOUNCEMENT_CHECK = Duration.ofMillis(200);

    /**
     * Starts the admin server when the file has {@code admin:}; after {@link #startBalancer()}.
     *
     * @throws java.io.UncheckedIOException when its port cannot be bound
     */
    void startAdmin() {
        if (admin != null) {
            admin.start();
            adminStarted = true;
        }
    }

    /**
     * Starts the SNMP agent when the file has {@code snmp:} (and not {@code enabled: false}); after
     * {@link #startBalancer()}. It connects to {@code snmpd} in the background, so a missing {@code snmpd} does not
     * stop the start (the agent says so in the log and keeps trying).
     */
    void startSnmp() {
        if (snmp != null) {
            snmp.start(balancer);
        }
    }

    /**
     * Stops what runs, in order, saying so on standard output: the SNMP agent (its session closed), the admin server (no operator command may reach
     * a balancer that is going away), then the pair (replication, the priority-0 advert, the VIP), then the balancer
     * with {@code grace} for its connections, then the alerts (which send what is queued for a few seconds). On an
     * appliance that never started it only lets go of what
     * {@link #prepare} built. Idempotent.
     */
    void stop(Duration grace) {
        if (snmp != null) {
            snmp.close();
        }
        if (admin != null) {
            admin.stop();
            if (adminStarted) {
                out.println("lb4j: admin server stopped");
            }
        }
        if (node != null) {
            node.close();
            if (balancerStarted) {
                out.println("lb4j: left the pair");
            }
        }
        if (announcing != null) {
            announcing.close(); // withdraws first: the routers stop sending flows before the engine stops
            announcer.close();
            announcing = null;
            out.println("lb4j: cluster: routes withdrawn");
        }
        if (replication != null) {
            replication.close(); // after the routes: the flows ECMP now moves are on the other nodes already
        }
        balancer.stop(balancerStarted ? grace : Duration.ZERO);
        if (alerts != null) {
            alerts.close(); // after the pair and the balancer, so that the stop's own transitions still go out
        }
    }

    /** Hands mastership over at once (see {@link ClusteredNode#resign()}); nothing without {@code ha:}. */
    void resign() {
        if (node != null) {
            node.resign();
        }
    }

    ApplianceConfig config() {
        return config;
    }

    LoadBalancer balancer() {
        return balancer;
    }

    /**
     * Where the services come from when the node shares them: the pair node ({@code ha:}) or the cluster's
     * replication ({@code cluster.peers}); empty otherwise.
     */
    Optional<ServiceReplication> replication() {
        return Optional.ofNullable(node != null ? node : replication);
    }

    /** The cluster's replication and flow sync, or empty without {@code cluster.peers}. */
    Optional<ClusterReplication> clusterReplication() {
        return Optional.ofNullable(replication);
    }

    /** The clustered node, or empty without {@code ha:}. */
    Optional<ClusteredNode> node() {
        return Optional.ofNullable(node);
    }

    /** The SNMP agent, or empty without {@code snmp:} or with {@code enabled: false}. */
    Optional<SnmpAgent> snmp() {
        return Optional.ofNullable(snmp);
    }

    /** LB4J-MIB's name for a VRRP state. */
    static VrrpRole role(VrrpState state) {
        return switch (state) {
            case INITIALIZE -> VrrpRole.INITIALIZE;
            case BACKUP -> VrrpRole.BACKUP;
            case MASTER -> VrrpRole.MASTER;
            case FAULT -> VrrpRole.FAULT;
        };
    }

    /** The admin server's view of each alert channel. */
    private static List<AlertDelivery> deliveries(AlertDispatcher alerts) {
        return alerts == null ? List.of() : alerts.status().stream().map(c -> new AlertDelivery(c.channel(),
                c.target(), c.sent(), c.failed(), c.suppressed(), c.pending(), c.lastSent().orElse(null),
                c.lastFailure().orElse(null), c.lastError().orElse(null))).toList();
    }

    /** The alerts, or empty without {@code alerts:}. */
    Optional<AlertDispatcher> alerts() {
        return Optional.ofNullable(alerts);
    }

    /** The admin server, or empty without {@code admin:}. */
    Optional<AdminServer> admin() {
        return Optional.ofNullable(admin);
    }

    /**
     * With the proxy engine the backup binds the VIPs before it owns them, which Linux allows only with
     * {@code net.ipv4.ip_nonlocal_bind=1} ({@code net.ipv6.ip_nonlocal_bind=1} for IPv6 VIPs); say so before the bind
     * fails with a bare "cannot assign address".
     */
    private static void warnIfVipsCannotBeBound(ApplianceConfig config, PrintStream err) {
        if (!config.engine().type().equals("proxy")) {
            return;
        }
        try {
            // One VRRP instance carries one family: its addresses' sysctl is the one that matters.
            String family = config.ha().get().virtualAddresses().getFirst().contains(":") ? "ipv6" : "ipv4";
            String value = Files.readString(Path.of("/proc/sys/net/" + family + "/ip_nonlocal_bind")).trim();
            boolean servesVip = config.services().stream().anyMatch(s -> config.ha().get().virtualAddresses()
                    .contains(Addresses.text(s.address())));
            if (value.equals("0") && servesVip) {
                err.println("lb4j: warning: net." + family + ".ip_nonlocal_bind=0: a backup cannot bind the virtual"
                        + " addresses it does not own yet (set sysctl net." + family + ".ip_nonlocal_bind=1 on both"
                        + " nodes)");
            }
        } catch (IOException e) {
            // not Linux, or no /proc: the start says what fails
        }
    }
}
