package io.lb4j.healthcheck.external;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.net.Reasons;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * Runs {@link ExternalProbe}: the user's script with ldirectord's arguments ({@code $1} VIP, {@code $2} VIP port,
 * {@code $3} real-server IP, {@code $4} real-server port, {@code $5} check source) and {@code LB4J_*} environment
 * variables; exit status 0 passes.
 *
 * <p>Guarantees: the caller's thread never blocks (the fork happens on a virtual thread, exits are seen through the
 * JDK's process reaper, output is drained by a virtual thread); at the deadline the script and every process it
 * started are killed with SIGKILL; its merged stdout and stderr are kept up to 64 KiB, the rest is drained and
 * counted, and the reason says it was truncated. Thread-safe; found by {@link java.util.ServiceLoader}.
 */
public final class ExternalStrategy implements HealthCheckStrategy {

    /** Output kept per run; the rest is read and dropped so the script never blocks on a full pipe. */
    public static final int MAX_OUTPUT = 64 * 1024;

    /** For ServiceLoader. */
    public ExternalStrategy() {
    }

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof ExternalProbe;
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        ExternalProbe external = (ExternalProbe) probe;
        CompletableFuture<CheckResult> result = new CompletableFuture<>();
        Thread.ofVirtual().name("lb4j-external-check").start(() -> start(external, target, context, result));
        return result;
    }

    private static void start(ExternalProbe probe, CheckTarget target, CheckContext context,
                              CompletableFuture<CheckResult> result) {
        Path script = probe.script();
        if (!Files.exists(script)) {
            result.complete(CheckResult.failed("script " + script + " not found"));
            return;
        }
        if (!Files.isRegularFile(script) || !Files.isExecutable(script)) {
            result.complete(CheckResult.failed("script " + script + " is not an executable file"));
            return;
        }
        String vip = target.vip().getHostAddress();
        String rip = target.address().getHostAddress();
        String rport = target.ports().isEmpty() ? "" : String.valueOf(target.ports().getFirst());
        String vport = target.vipPorts().isEmpty() ? rport
                : target.vipPorts().contains(target.ports().isEmpty() ? -1 : target.ports().getFirst())
                ? rport : String.valueOf(target.vipPorts().getFirst());
        ProcessBuilder pb = new ProcessBuilder(script.toString(), vip, vport, rip, rport, probe.checkSource())
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
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

        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            result.complete(CheckResult.failed("cannot start script " + script + ": " + e.getMessage()));
            return;
        }
        try {
            process.getOutputStream().close(); // a script that reads stdin sees end of input, not a hang
        } catch (IOException ignored) {
            // the script may already be gone; its exit is reported below
        }
        Output output = new Output();
        CompletableFuture<Void> drained = new CompletableFuture<>();
        Thread.ofVirtual().name("lb4j-external-output").start(() -> output.drain(process.getInputStream(), drained));

        java.util.concurrent.atomic.AtomicBoolean killing = new java.util.concurrent.atomic.AtomicBoolean();
        Cancellable deadline = context.clock().schedule(target.timeout(), () -> {
            if (process.isAlive()) {
                killing.set(true); // the exit the kill causes is reported as the timeout, not as status 137
                int killed = killTree(process.toHandle());
                result.complete(CheckResult.failed("script timed out after " + Reasons.format(target.timeout())
                        + "; killed " + killed + (killed == 1 ? " process" : " processes") + output.describe()));
            } else {
                // Exited, but a process it left behind still holds the output pipe open: judge what we have.
                result.complete(verdict(process.exitValue(), output));
            }
        });
        result.whenComplete((r, e) -> deadline.cancel());
        process.onExit().thenCombine(drained, (p, ignored) -> p)
                .thenAccept(p -> {
                    if (!killing.get()) {
                        result.complete(verdict(p.exitValue(), output));
                    }
                });
    }

    private static CheckResult verdict(int exit, Output output) {
        return exit == 0 ? CheckResult.ok() : CheckResult.failed("script exited with status " + exit + output.describe());
    }

    /**
     * Kills {@code root} and its descendants with SIGKILL, returning how many were killed. The tree is listed
     * before the root dies: once it is gone its children are re-parented to init and no longer its descendants.
     * The root dies first so it cannot start replacements for the children being killed.
     */
    static int killTree(ProcessHandle root) {
        Set<ProcessHandle> tree = new LinkedHashSet<>(root.descendants().toList());
        int killed = root.destroyForcibly() ? 1 : 0;
        for (ProcessHandle p : List.copyOf(tree)) {
            tree.addAll(p.descendants().toList()); // started while we were listing
        }
        for (ProcessHandle p : tree) {
            if (p.isAlive() && p.destroyForcibly()) {
                killed++;
            }
        }
        return killed;
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
            String text = new String(kept, 0, length, java.nio.charset.StandardCharsets.UTF_8).strip();
            String note = total > length ? " [output truncated: first " + length + " of " + total + " bytes]" : "";
            return "; output: " + text + note;
        }
    }

}
