package io.lb4j.examples;

import io.lb4j.admin.AdminServer;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.examples.config.AdminConfig;
import io.lb4j.examples.config.ApplianceConfig;
import io.lb4j.examples.config.ConfigException;
import io.lb4j.examples.config.ConfigLoader;

import java.io.PrintStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * Runs a balancer from a configuration file until the process is stopped. SIGTERM (or Ctrl-C) stops it gracefully
 * through a shutdown hook; SIGHUP reloads the file and applies it with {@link LoadBalancer#reconfigure}, which keeps
 * established connections. A file that fails to load on SIGHUP is reported and the running configuration stays.
 * With {@code admin:} in the file, the admin server (REST API, System Overview page, {@code /metrics}) starts after
 * the balancer and stops before it; a reload keeps it running with its settings from the start, and its
 * {@code PUT /api/config} accepts the file's YAML ({@link ConfigLoader#codec}). Events go to standard output as
 * they happen, problems to standard error.
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
                    + config.services().stream().map(VirtualService::label).collect(Collectors.joining(", ")));
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
            balancer = LoadBalancer.builder().engine(config.engine().create()).services(config.services()).build();
            balancer.events().subscribe(e -> out.println(StatusText.event(e)));
            balancer.start();
            balancerStarted = true;
            if (config.admin().isPresent()) {
                admin = config.admin().get().server(balancer, ConfigLoader.codec(config)).start();
            }
        } catch (RuntimeException e) {
            err.println("lb4j: cannot start" + (balancerStarted ? " the admin server" : "")
                    + ": " + e.getMessage());
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
            balancer.stop(STOP_GRACE);
            out.println("lb4j: stopped");
            out.flush();
            stopped.countDown();
        }, "lb4j-shutdown"));
        // Replacing the JVM's own SIGHUP handler matters: by default SIGHUP shuts the JVM down. sun.misc.Signal
        // (module jdk.unsupported) is the one supported-in-practice way to handle it; javac warns that it is internal.
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload());
        out.println("lb4j: running " + describe(config) + " from " + file + " (pid " + ProcessHandle.current().pid()
                + "); SIGHUP reloads the file, SIGTERM stops");
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
            try {
                balancer.reconfigure(next.services());
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
            out.println("lb4j: reloaded: " + describe(next));
            out.print(StatusText.table(balancer.status()));
            out.flush();
        }
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
        return c.services().size() + " service(s) [" + c.services().stream()
                .map(s -> s.label() + " " + s.address().getHostAddress() + " " + s.ports())
                .collect(Collectors.joining("; ")) + "] on engine " + c.engine().type();
    }
}
