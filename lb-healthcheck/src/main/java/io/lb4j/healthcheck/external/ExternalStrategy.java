package io.lb4j.healthcheck.external;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.WeightReport;
import io.lb4j.api.check.Probe;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.net.Reasons;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Runs {@link ExternalProbe}: the user's script with ldirectord's arguments ({@code $1} VIP, {@code $2} VIP port,
 * {@code $3} real-server IP, {@code $4} real-server port, {@code $5} check source) and {@code LB4J_*} environment
 * variables; exit status 0 passes.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Only a script that {@link ScriptSecurity} accepts runs: {@link #validate} refuses any other when the balancer
 *       is built or reconfigured, and every attempt checks again (a file may change after configuration).</li>
 *   <li>The script gets {@code PATH=}{@value #PATH} and the {@code LB4J_*} variables, nothing else of the balancer's
 *       environment, and {@code /} as its working directory.</li>
 *   <li>At most one run per real server and port list at any time: an attempt whose previous run is still being
 *       killed waits for it to be gone (within its own timeout) before it starts the script.</li>
 *   <li>Every process of a run is held together ({@link ScriptProcess}: own session, own cgroup where possible) and
 *       killed with SIGKILL when the attempt ends, however it ends: at the timeout, when the monitor cancels it (a
 *       timeout, or the balancer stopping), and, for what the script leaves behind, when it exits.</li>
 *   <li>The caller's thread never blocks: the fork happens on a virtual thread, exits are seen through the JDK's
 *       process reaper, output is drained by a virtual thread. The merged stdout and stderr are kept up to 64 KiB,
 *       the rest is drained and counted, and the reason says it was truncated.</li>
 * </ul>
 * Thread-safe; found by {@link java.util.ServiceLoader}.
 */
public final class ExternalStrategy implements HealthCheckStrategy {

    /** Output kept per run; the rest is read and dropped so the script never blocks on a full pipe. */
    public static final int MAX_OUTPUT = 64 * 1024;

    /** The search path a script gets: the only variable of its environment besides the {@code LB4J_*} ones. */
    static final String PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

    private static final Executor VIRTUAL = r -> Thread.ofVirtual().name("lb4j-external-check").start(r);
    private static final CompletableFuture<Void> NOTHING_BEFORE = CompletableFuture.completedFuture(null);

    private final ScriptSecurity security = ScriptSecurity.system();
    private final Supplier<Optional<Cgroup>> cgroups; // probed at the first run, not when the strategy is loaded
    /** The latest run per target; a run starts its script only once the one it replaced is gone. */
    private final ConcurrentMap<RunKey, Run> runs = new ConcurrentHashMap<>();

    /** For ServiceLoader: runs scripts in cgroups where {@link Cgroup#own()} is available. */
    public ExternalStrategy() {
        this.cgroups = Cgroup::own;
    }

    /** Runs scripts in child groups of {@code cgroups}, or without cgroups when empty. */
    ExternalStrategy(Optional<Cgroup> cgroups) {
        this.cgroups = () -> cgroups;
    }

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof ExternalProbe;
    }

    /**
     * Refuses a script outside {@link CheckContext#scriptDirectories()} or not safe to run (see
     * {@link ExternalProbe}).
     *
     * @throws IllegalArgumentException {@code "healthCheck.script: /tmp/x.sh (expected: a script inside ...)"}
     */
    @Override
    public void validate(Probe probe, CheckContext context) {
        security.resolve(((ExternalProbe) probe).script(), context.scriptDirectories());
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        ExternalProbe external = (ExternalProbe) probe;
        RunKey key = new RunKey(target.service(), target.realServer(), target.ports());
        Run run = runs.compute(key, (k, previous) -> new Run(external, target, context,
                previous == null ? NOTHING_BEFORE : previous.gone));
        run.gone.whenComplete((ignored, error) -> runs.remove(key, run));
        VIRTUAL.execute(run::launch);
        return run.result;
    }

    /** Runs of one probe on one real server share a key; a composite's parts differ in their ports. */
    private record RunKey(String service, String realServer, List<Integer> ports) {
    }

    /** One attempt: its result, its processes, and when they are all gone. */
    private final class Run {

        private final ExternalProbe probe;
        private final CheckTarget target;
        private final CheckContext context;
        private final CompletableFuture<Void> before;
        final CompletableFuture<CheckResult> result = new CompletableFuture<>();
        /** This run's processes are gone. */
        private final CompletableFuture<Void> own = new CompletableFuture<>();
        /** This run's processes, and those of every run before it for the same key, are gone. */
        final CompletableFuture<Void> gone;
        private final Output output = new Output();

        private boolean launched; // guarded by this
        private boolean finished; // guarded by this
        private ScriptProcess process; // guarded by this
        private volatile boolean timedOut;

        Run(ExternalProbe probe, CheckTarget target, CheckContext context, CompletableFuture<Void> before) {
            this.probe = probe;
            this.target = target;
            this.context = context;
            this.before = before;
            this.gone = before.thenCombine(own, (a, b) -> null);
            // However the attempt ends (verdict, timeout, the monitor cancelling it), what is left of it is killed, at
            // once on the thread that ended it: when HealthMonitor.stop() returns, every script it ran has been sent
            // SIGKILL, even if the JVM exits next (a kill is two writes to cgroup files, or a walk of /proc).
            result.whenComplete((r, e) -> finish());
        }

        void launch() {
            ScriptProcess started = null;
            try {
                started = start();
            } catch (RuntimeException e) {
                result.completeExceptionally(e); // a failed attempt whose reason is the exception's message
            } finally {
                launched(started);
            }
        }

        /** Starts the script, or completes the result saying why not. */
        private ScriptProcess start() {
            Path script;
            try {
                script = security.resolve(probe.script(), context.scriptDirectories());
            } catch (IllegalArgumentException e) {
                result.complete(CheckResult.failed(e.getMessage()));
                return null;
            }
            if (!previousGone(script)) {
                return null;
            }
            if (result.isDone()) {
                return null; // cancelled while waiting
            }
            String vip = Addresses.text(target.vip());
            String rip = Addresses.text(target.address());
            String rport = target.ports().isEmpty() ? "" : String.valueOf(target.ports().getFirst());
            String vport = target.vipPorts().isEmpty() ? rport
                    : target.vipPorts().contains(target.ports().isEmpty() ? -1 : target.ports().getFirst())
                    ? rport : String.valueOf(target.vipPorts().getFirst());
            ProcessBuilder builder = new ProcessBuilder().redirectErrorStream(true).directory(new File("/"));
            Map<String, String> env = builder.environment();
            env.clear(); // the balancer's environment (credentials, proxies, library paths) is not the script's
            env.put("PATH", PATH);
            env.put("LB4J_VIP", vip);
            env.put("LB4J_VPORT", vport);
            env.put("LB4J_VPORTS", join(target.vipPorts()));
            env.put("LB4J_RIP", rip);
            env.put("LB4J_RPORT", rport);
            env.put("LB4J_RPORTS", join(target.ports()));
            env.put("LB4J_SERVICE", target.service());
            env.put("LB4J_REAL_SERVER", target.realServer());
            env.put("LB4J_TIMEOUT_MS", String.valueOf(target.timeout().toMillis()));
            env.put("LB4J_CHECK_SOURCE", probe.checkSource());

            ScriptProcess started;
            try {
                started = ScriptProcess.start(builder,
                        List.of(script.toString(), vip, vport, rip, rport, probe.checkSource()), cgroups.get());
            } catch (IOException e) {
                result.complete(CheckResult.failed("cannot start script " + script + ": " + e.getMessage()));
                return null;
            }
            try {
                watch(started);
            } catch (RuntimeException e) {
                result.completeExceptionally(e); // so launched() kills the held process: the script never runs
            }
            return started;
        }

        /** Drains the output, kills at the deadline, and turns the exit into the verdict. */
        private void watch(ScriptProcess started) {
            Process p = started.process();
            CompletableFuture<Void> drained = new CompletableFuture<>();
            Thread.ofVirtual().name("lb4j-external-output").start(() -> output.drain(p.getInputStream(), drained));

            Cancellable deadline = context.clock().schedule(target.timeout(), () -> VIRTUAL.execute(() -> {
                if (result.isDone()) {
                    return;
                }
                if (p.isAlive()) {
                    timedOut = true; // the exit the kill causes is reported as the timeout, not as status 137
                    int killed = started.kill();
                    result.complete(CheckResult.failed("script timed out after " + Reasons.format(target.timeout())
                            + "; killed " + killed + (killed == 1 ? " process" : " processes") + output.describe()));
                } else {
                    // Exited, but something it left, out of our reach, holds the output open: judge what we have.
                    result.complete(verdict(p.exitValue()));
                }
            }));
            result.whenComplete((r, e) -> deadline.cancel());
            p.onExit().thenRunAsync(() -> {
                if (!timedOut && !result.isDone()) {
                    started.kill(); // what it left running dies with it, which also closes the output
                }
            }, VIRTUAL).thenCombine(drained, (a, b) -> null).thenRun(() -> {
                if (!timedOut) {
                    result.complete(verdict(p.exitValue()));
                }
            });
        }

        /**
         * Waits, within this attempt's timeout, for the previous run for this target to be gone: at most one run per
         * target is alive at any time, even when the next attempt is due the instant the previous one is killed.
         */
        private boolean previousGone(Path script) {
            try {
                before.get(target.timeout().toNanos(), TimeUnit.NANOSECONDS);
                return true;
            } catch (TimeoutException e) {
                result.complete(CheckResult.failed("the previous run of " + script + " was killed but has not exited"
                        + " yet; this run did not start"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result.complete(CheckResult.failed("interrupted"));
            } catch (ExecutionException e) {
                throw new IllegalStateException(e); // never: gone futures only complete normally
            }
            return false;
        }

        /**
         * The launch is over, with a (held) process or without; the script runs only if the attempt has not ended
         * meanwhile, else the held process is killed before it ever ran the script.
         */
        private void launched(ScriptProcess started) {
            boolean close;
            synchronized (this) {
                launched = true;
                process = started;
                close = finished;
            }
            if (started == null) {
                own.complete(null);
            } else if (close) {
                started.close().whenComplete((v, e) -> own.complete(null));
            } else {
                started.release(); // an end from now on kills it through finish()
            }
        }

        /** The attempt ended: kill what is left once the launch is over (else {@link #launched} does). */
        private void finish() {
            ScriptProcess started;
            synchronized (this) {
                finished = true;
                if (!launched) {
                    return;
                }
                started = process;
            }
            if (started != null) {
                started.close().whenComplete((v, e) -> own.complete(null));
            }
        }

        private CheckResult verdict(int exit) {
            if (probe.dynamicWeight()) {
                // keepalived's misc_dynamic: 0 = up at the configured weight, 1 = down, 2-255 = up at weight exit - 2.
                if (exit == 0) {
                    return CheckResult.passed(WeightReport.configured(), "ok");
                }
                if (exit >= 2 && exit <= 255) {
                    return CheckResult.passed(WeightReport.absolute(exit - 2), "script exited with status " + exit
                            + ": weight " + (exit - 2));
                }
            }
            return exit == 0 ? CheckResult.ok()
                    : CheckResult.failed("script exited with status " + exit + output.describe());
        }
    }

    private static String join(List<Integer> ports) {
        return ports.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** The first {@link #MAX_OUTPUT} bytes of the script's output and how many there were in all. */
    private static final class Output {
        private final byte[] kept = new byte[MAX_OUTPUT];
        private int length;
        private long total;

        void drain(InputStream in, CompletableFuture<Void> done) {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (this) {
                        int take = Math.min(n, MAX_OUTPUT - length);
                        System.arraycopy(buf, 0, kept, length, take);
                        length += take;
                        total += n;
                    }
                }
            } catch (IOException ignored) {
                // the pipe closes when the process is killed; what was read so far is kept
            } finally {
                done.complete(null);
            }
        }

        synchronized String describe() {
            if (total == 0) {
                return "";
            }
            String text = new String(kept, 0, length, StandardCharsets.UTF_8).strip();
            String note = total > length ? " [output truncated: first " + length + " of " + total + " bytes]" : "";
            return "; output: " + text + note;
        }
    }
}
