package io.lb4j.appliance;

import io.lb4j.admin.AdminServer;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.internal.Addresses;
import io.lb4j.appliance.config.AdminConfig;
import io.lb4j.appliance.config.ApplianceConfig;
import io.lb4j.appliance.config.ConfigLoader;
import io.lb4j.config.ConfigException;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * Runs a balancer from a configuration file until the process is stopped. SIGTERM (or Ctrl-C) stops it gracefully
 * through a shutdown hook; SIGHUP reloads the file and applies it with {@link LoadBalancer#reconfigure}, which keeps
 * established connections. A file that fails to load on SIGHUP is reported and the running configuration stays.
 * With {@code admin:} in the file, the admin server (REST API, System Overview page, {@code /metrics}) starts after
 * the balancer and stops before it; a reload keeps it running with its settings from the start, and its
 * {@code PUT /api/config} accepts the file's YAML ({@link ConfigLoader#codec}); on a pair node it also shows the
 * node's VRRP state ({@code GET /api/pair}, the page's "Clustered pair" panel). With {@code snmp:} an AgentX
 * subagent of net-snmp's {@code snmpd} serves LB4J-MIB (services, real servers, the pair's VRRP state) and sends the
 * events as notifications; it starts after the admin server and stops first. Events go to standard output as they
 * happen, problems to standard error.
 *
 * <p>{@link #check()} and {@link #start()} share one path: both load the file and build every part of the appliance
 * ({@link PreparedAppliance}); a start then binds and starts them, a check lets them go. So a file the check accepts
 * fails to start only for reasons of the host (a port in use, no root for the packet engine), and both refuse a bad
 * file with the same message.
 *
 * <p>With {@code ha:} the node runs as one half of a clustered pair ({@link ClusteredNode}): the balancer starts inside
 * the pair, SIGTERM leaves the pair gracefully (priority-0 advert first), and a reload may change services only: on
 * the primary they are applied and replicated to the secondary; on the secondary the file's services are not applied
 * (they come from the primary); a reload that changes any {@code ha:} setting is refused as a whole, naming the
 * settings, and the node keeps running as it was.
 */
final class ApplianceRunner {

    /** How long a SIGTERM lets connections finish before closing them. */
    static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final Path file;
    private final PrintStream out;
    private final PrintStream err;
    private final Object reloadLock = new Object();
    private PreparedAppliance appliance; // guarded by reloadLock; set once started
    private ApplianceConfig running; // guarded by reloadLock

    ApplianceRunner(Path file, PrintStream out, PrintStream err) {
        this.file = file;
        this.out = out;
        this.err = err;
    }

    /**
     * Checks the file as a start would, binding nothing: loads it and {@linkplain PreparedAppliance#prepare prepares}
     * every part, then lets go of them. Returns 0 with one line naming the engine and services, or 2 with the message
     * on standard error, the same message a start of the file gives.
     */
    int check() {
        Optional<PreparedAppliance> prepared = prepare();
        if (prepared.isEmpty()) {
            return 2;
        }
        prepared.get().stop(Duration.ZERO);
        ApplianceConfig config = prepared.get().config();
        out.println("lb4j: " + file + ": OK, engine " + config.engine().type() + ", services "
                + config.services().stream().map(VirtualService::label).collect(Collectors.joining(", "))
                + config.ha().map(h -> ", pair node: " + h.role().configName() + " of VRRP " + h.vrid()
                + " (priority " + h.priority() + ")").orElse(""));
        return 0;
    }

    /**
     * Prepares the file and starts it, without the signal handlers of {@link #runUntilStopped()}: 0 when it runs
     * (stop it with {@link #stop(Duration)}), 2 when the file cannot run (nothing started, the message as
     * {@link #check()} gives it), 1 when starting failed (a port in use, an engine that cannot run here; nothing
     * stays running).
     */
    int start() {
        Optional<PreparedAppliance> prepared = prepare();
        if (prepared.isEmpty()) {
            err.println("lb4j: nothing started");
            return 2;
        }
        PreparedAppliance a = prepared.get();
        String part = "";
        try {
            a.startBalancer();
            part = " the admin server";
            a.startAdmin();
            part = " the SNMP agent";
            a.startSnmp();
        } catch (RuntimeException e) {
            err.println("lb4j: cannot start" + part + ": " + describe(e));
            a.stop(Duration.ZERO);
            return 1;
        }
        synchronized (reloadLock) {
            appliance = a;
            running = a.config();
        }
        return 0;
    }

    /**
     * Stops what {@link #start()} started (see {@link PreparedAppliance#stop}), letting connections finish for up to
     * {@code grace}; under the reload lock, so no reload or replicated change runs during the stop.
     */
    void stop(Duration grace) {
        synchronized (reloadLock) {
            appliance.stop(grace);
        }
    }

    /** Starts the balancer and blocks until the JVM shuts down; returns only when it could not start. */
    int runUntilStopped() {
        int status = start();
        if (status != 0) {
            return status;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("lb4j: stopping (letting connections finish for up to " + STOP_GRACE.toSeconds() + " s)");
            stop(STOP_GRACE);
            out.println("lb4j: stopped");
            out.flush();
            stopped.countDown();
        }, "lb4j-shutdown"));
        // Replacing the JVM's own SIGHUP handler matters: by default SIGHUP shuts the JVM down. sun.misc.Signal
        // (module jdk.unsupported) is the one supported-in-practice way to handle it; javac warns that it is internal.
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload());
        Optional<ClusteredNode> node = appliance.node();
        if (node.isPresent()) {
            // A pair node hands mastership over the moment SIGTERM arrives (priority-0 advert, VIP released): the
            // JVM's shutdown hooks start several milliseconds later, which the peer's takeover would wait for. Then
            // the usual ordered stop, with the exit status of a default SIGTERM (128 + 15).
            PreparedAppliance leaving = appliance;
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> {
                leaving.resign();
                System.exit(143);
            });
        }
        out.println("lb4j: running " + describe(running) + " from " + file + " (pid " + ProcessHandle.current().pid()
                + "); SIGHUP reloads the file, SIGTERM stops");
        node.ifPresent(n -> out.println("lb4j: pair node: " + n.describe() + "; VRRP state " + n.state()));
        appliance.alerts().ifPresent(alerts -> out.println("lb4j: alerts to " + alerts.spec().channels().stream()
                .map(c -> c.type() + " " + c.target()).collect(Collectors.joining(", ")) + " (rate limit "
                + alerts.spec().rateLimit().toSeconds() + " s per service, real server or VRRP instance)"));
        appliance.admin().ifPresent(admin -> out.println("lb4j: admin server on " + admin.uri()
                + " (certificate SHA-256 " + fingerprint(admin) + ")"));
        appliance.snmp().ifPresent(snmp -> out.println("lb4j: SNMP: AgentX subagent of snmpd at " + snmp.agentx()
                + ", serving LB4J-MIB (1.3.6.1.4.1.32473.4)"));
        out.print(StatusText.table(appliance.balancer().status()));
        out.flush();
        while (true) {
            try {
                stopped.await(); // the shutdown hook ends the JVM; this thread only keeps the process alive
                return 0;
            } catch (InterruptedException e) {
                // not ours to stop on: only SIGTERM/SIGINT end the appliance
            }
        }
    }

    /** Loads and prepares the file; on a problem says what it is on standard error and returns empty. */
    private Optional<PreparedAppliance> prepare() {
        try {
            return Optional.of(PreparedAppliance.prepare(ConfigLoader.load(file), reloadLock, out, err));
        } catch (ConfigException e) {
            err.println("lb4j: configuration error: " + e.getMessage());
        } catch (RuntimeException e) {
            // What the builders refuse has no line in the file: the message names the service or section instead.
            err.println("lb4j: configuration error: " + file + ": " + describe(e));
        }
        return Optional.empty();
    }

    /** Applies the file again; on any problem keeps what runs and says why. */
    void reload() {
        synchronized (reloadLock) {
            out.println("lb4j: SIGHUP: reloading " + file);
            ApplianceConfig next;
            try {
                next = ConfigLoader.load(file);
            } catch (ConfigException e) {
                err.println("lb4j: reload refused, still running the previous configuration: " + e.getMessage());
                out.println("lb4j: reload refused (see standard error); configuration unchanged");
                out.flush();
                return;
            }
            Optional<String> haRefusal = haChange(running, next);
            if (haRefusal.isPresent()) {
                err.println("lb4j: reload refused, still running the previous configuration: " + haRefusal.get());
                out.println("lb4j: reload refused (see standard error); configuration unchanged");
                out.flush();
                return;
            }
            LoadBalancer balancer = appliance.balancer();
            ServiceReplication node = appliance.replication().orElse(null); // a pair's or a cluster's
            String replicated = "";
            try {
                // The listeners that run (the started admin server and pair node) against the file's new services.
                Listeners.checkNoClash(new ApplianceConfig(running.engine(), next.services(),
                        appliance.config().admin(), running.ha(), running.scriptDirectories(), running.snmp(),
                        running.alerts(), running.cluster()));
                if (node == null) {
                    balancer.reconfigure(next.services());
                } else if (node.isPrimary()) {
                    replicated = " (replicated to the " + (running.ha().isPresent() ? "secondary" : "other nodes")
                            + " as version " + node.reconfigure(next.services()) + ")";
                } else if (!next.services().equals(running.services())) {
                    err.println("lb4j: warning: services changed in the file but not applied: " + (running.ha()
                            .isPresent() ? "this node is the secondary (ha.role)" : "this node is not the cluster's"
                            + " primary (cluster.primary)") + ", its services are replicated from the primary;"
                            + " change the primary's file");
                }
            } catch (RuntimeException e) {
                err.println("lb4j: reload refused, still running the previous configuration: " + e.getMessage());
                out.println("lb4j: reload refused (see standard error); configuration unchanged");
                out.flush();
                return;
            }
            if (!next.engine().equals(running.engine())) {
                err.println("lb4j: warning: engine settings changed; they take effect only after a restart");
            }
            if (!next.scriptDirectories().equals(appliance.config().scriptDirectories())) {
                // The balancer checks scripts against the directories it was built with; say so, never silently.
                err.println("lb4j: warning: scriptDirectories changed; they take effect only after a restart (check"
                        + " scripts still come from " + appliance.config().scriptDirectories() + ")");
            }
            if (!next.alerts().equals(appliance.config().alerts())) {
                err.println("lb4j: warning: alerts settings changed; they take effect only after a restart (alerts"
                        + " keep going where they went since the start)");
            }
            if (!next.cluster().equals(appliance.config().cluster())) {
                err.println("lb4j: warning: cluster settings changed; they take effect only after a restart (the node"
                        + " keeps announcing with its settings from the start)");
            }
            Optional<AdminConfig> startedAdmin = appliance.config().admin();
            if (!next.admin().equals(startedAdmin)) {
                err.println("lb4j: warning: admin settings changed; they take effect only after a restart (the admin"
                        + " server keeps running " + (startedAdmin.isPresent() ? "with its settings from the start"
                        : "only if it was started") + ")");
            }
            if (!next.snmp().equals(appliance.config().snmp())) {
                err.println("lb4j: warning: snmp settings changed; they take effect only after a restart");
            }
            running = next;
            if (node != null && !node.isPrimary()) {
                out.println("lb4j: reloaded: file checked; services come from the primary, running "
                        + describe(balancer.services()));
            } else {
                out.println("lb4j: reloaded: " + describe(next) + replicated);
            }
            out.print(StatusText.table(balancer.status()));
            out.flush();
        }
    }

    /**
     * Why a reload must be refused for its {@code ha:} section, or empty: VRRP, roles, addresses and the secret are
     * read at start only, and applying services from a file whose pair settings no longer match would leave a node
     * that runs neither the old file nor the new one.
     */
    private static Optional<String> haChange(ApplianceConfig running, ApplianceConfig next) {
        if (running.ha().isEmpty() && next.ha().isEmpty()) {
            return Optional.empty();
        }
        if (running.ha().isEmpty()) {
            return Optional.of("ha: added (expected: no `ha:` section; this node started without one, and joins a pair"
                    + " only on a restart)");
        }
        if (next.ha().isEmpty()) {
            return Optional.of("ha: removed (expected: the `ha:` section this node started with; it leaves the pair"
                    + " only on a restart)");
        }
        List<String> changed = running.ha().get().differences(next.ha().get());
        return changed.isEmpty() ? Optional.empty() : Optional.of("ha settings changed ("
                + String.join("; ", changed) + "); ha settings take effect only after a restart");
    }

    private static String describe(RuntimeException e) {
        // UncheckedIOException's own message hides the errno ("could not listen on ..."); the cause has it.
        return e.getMessage() + (e.getCause() != null && e instanceof UncheckedIOException
                ? ": " + e.getCause().getMessage() : "");
    }

    private static String fingerprint(AdminServer admin) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(admin.certificate().getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            return "unavailable: " + e.getMessage();
        }
    }

    private static String describe(ApplianceConfig c) {
        return describe(c.services()) + " on engine " + c.engine().type();
    }

    private static String describe(List<VirtualService> services) {
        return services.size() + " service(s) [" + services.stream()
                .map(s -> s.label() + " " + Addresses.text(s.address()) + " " + s.ports())
                .collect(Collectors.joining("; ")) + "]";
    }
}
