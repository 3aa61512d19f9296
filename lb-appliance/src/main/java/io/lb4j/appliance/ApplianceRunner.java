package io.lb4j.appliance;

import io.lb4j.admin.AdminServer;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.appliance.config.AdminConfig;
import io.lb4j.appliance.config.ApplianceConfig;
import io.lb4j.appliance.config.ConfigLoader;
import io.lb4j.config.ConfigException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
 * node's VRRP state ({@code GET /api/pair}, the page's "Clustered pair" panel). Events go to standard output as
 * they happen, problems to standard error.
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
    private ApplianceConfig running; // guarded by reloadLock
    private LoadBalancer balancer;
    private AdminServer admin;
    private ClusteredNode node;
    private Optional<AdminConfig> startedAdmin = Optional.empty(); // guarded by reloadLock

    ApplianceRunner(Path file, PrintStream out, PrintStream err) {
        this.file = file;
        this.out = out;
        this.err = err;
    }

    /** Loads the file and says whether it is valid: 0, or 2 with the message on standard error. */
    int check() {
        try {
            ApplianceConfig config = ConfigLoader.load(file);
            out.println("lb4j: " + file + ": OK, engine " + config.engine().type() + ", services "
                    + config.services().stream().map(VirtualService::label).collect(Collectors.joining(", "))
                    + config.ha().map(h -> ", pair node: " + h.role().configName() + " of VRRP " + h.vrid()
                    + " (priority " + h.priority() + ")").orElse(""));
            return 0;
        } catch (ConfigException e) {
            err.println("lb4j: configuration error: " + e.getMessage());
            return 2;
        }
    }

    /** Starts the balancer and blocks until the JVM shuts down; returns only when it could not start. */
    int runUntilStopped() {
        ApplianceConfig config;
        try {
            config = ConfigLoader.load(file);
        } catch (ConfigException e) {
            err.println("lb4j: configuration error: " + e.getMessage());
            err.println("lb4j: nothing started");
            return 2;
        }
        boolean balancerStarted = false;
        try {
            ForwardingEngine engine = config.engine().create(config.ha().isPresent());
            balancer = LoadBalancer.builder().engine(engine).services(config.services()).build();
            balancer.events().subscribe(e -> out.println(StatusText.event(e)));
            if (config.ha().isPresent()) {
                warnIfVipsCannotBeBound(config);
                node = new ClusteredNode(config.ha().get(), balancer, engine, out);
                node.start(); // starts the balancer inside the pair
            } else {
                balancer.start();
            }
            balancerStarted = true;
            if (config.admin().isPresent()) {
                LoadBalancer managed = node == null ? balancer : new ReplicatingBalancer(balancer, node, reloadLock);
                ClusteredNode pairNode = node;
                admin = config.admin().get().server(managed, ConfigLoader.codec(config),
                        pairNode == null ? null : () -> Optional.of(pairNode.pairStatus()));
                if (pairNode != null) {
                    // Before start: pairChanged() is a no-op until then, and a page that connects later reads the
                    // state anyway. Every transition from now on reaches open pages at once.
                    pairNode.onStateChanged(admin::pairChanged);
                }
                admin.start();
            }
        } catch (RuntimeException e) {
            err.println("lb4j: cannot start" + (balancerStarted ? " the admin server" : "")
                    + ": " + describe(e));
            if (node != null) {
                node.close(); // leaves the pair first, then stops the balancer
            }
            if (balancer != null) {
                balancer.stop(Duration.ZERO);
            }
            return 1;
        }
        synchronized (reloadLock) {
            running = config;
            startedAdmin = config.admin();
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("lb4j: stopping (letting connections finish for up to " + STOP_GRACE.toSeconds() + " s)");
            if (admin != null) {
                admin.stop(); // first: no operator command may reach a balancer that is going away
                out.println("lb4j: admin server stopped");
            }
            if (node != null) {
                // Replication stops, the priority-0 advert hands the VIP over, then the balancer drains (10 s).
                synchronized (reloadLock) {
                    node.close();
                }
                out.println("lb4j: left the pair");
            }
            balancer.stop(STOP_GRACE);
            out.println("lb4j: stopped");
            out.flush();
            stopped.countDown();
        }, "lb4j-shutdown"));
        // Replacing the JVM's own SIGHUP handler matters: by default SIGHUP shuts the JVM down. sun.misc.Signal
        // (module jdk.unsupported) is the one supported-in-practice way to handle it; javac warns that it is internal.
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload());
        if (node != null) {
            // A pair node hands mastership over the moment SIGTERM arrives (priority-0 advert, VIP released): the
            // JVM's shutdown hooks start several milliseconds later, which the peer's takeover would wait for. Then
            // the usual ordered stop, with the exit status of a default SIGTERM (128 + 15).
            ClusteredNode leaving = node;
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> {
                leaving.resign();
                System.exit(143);
            });
        }
        out.println("lb4j: running " + describe(config) + " from " + file + " (pid " + ProcessHandle.current().pid()
                + "); SIGHUP reloads the file, SIGTERM stops");
        if (node != null) {
            out.println("lb4j: pair node: " + node.describe() + "; VRRP state " + node.state());
        }
        if (admin != null) {
            out.println("lb4j: admin server on " + admin.uri() + " (certificate SHA-256 "
                    + fingerprint(admin) + ")");
        }
        out.print(StatusText.table(balancer.status()));
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
            String replicated = "";
            try {
                if (node == null) {
                    balancer.reconfigure(next.services());
                } else if (node.isPrimary()) {
                    replicated = " (replicated to the secondary as version " + node.reconfigure(next.services()) + ")";
                } else if (!next.services().equals(running.services())) {
                    err.println("lb4j: warning: services changed in the file but not applied: this node is the"
                            + " secondary (ha.role), its services are replicated from the primary; change the"
                            + " primary's file");
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
            if (!next.admin().equals(startedAdmin)) {
                err.println("lb4j: warning: admin settings changed; they take effect only after a restart (the admin"
                        + " server keeps running " + (startedAdmin.isPresent() ? "with its settings from the start"
                        : "only if it was started") + ")");
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

    /**
     * With the proxy engine the backup binds the VIPs before it owns them, which Linux allows only with
     * {@code net.ipv4.ip_nonlocal_bind=1}; say so before the bind fails with a bare "cannot assign address".
     */
    private void warnIfVipsCannotBeBound(ApplianceConfig config) {
        if (!config.engine().type().equals("proxy")) {
            return;
        }
        try {
            String value = Files.readString(Path.of("/proc/sys/net/ipv4/ip_nonlocal_bind")).trim();
            boolean servesVip = config.services().stream().anyMatch(s -> config.ha().get().virtualAddresses()
                    .contains(s.address().getHostAddress()));
            if (value.equals("0") && servesVip) {
                err.println("lb4j: warning: net.ipv4.ip_nonlocal_bind=0: a backup cannot bind the virtual addresses"
                        + " it does not own yet (set sysctl net.ipv4.ip_nonlocal_bind=1 on both nodes)");
            }
        } catch (IOException e) {
            // not Linux, or no /proc: the start says what fails
        }
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
                .map(s -> s.label() + " " + s.address().getHostAddress() + " " + s.ports())
                .collect(Collectors.joining("; ")) + "]";
    }
}
