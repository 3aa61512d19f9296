package io.lb4j.healthcheck.external;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a script other than a health check (an alert's notify script) under the health-check scripts' rules, so that
 * there is one set of them: only a script {@link ScriptSecurity} accepts (inside a script directory, owned by root or
 * the balancer's user, writable by its owner only), checked again at every run; {@code PATH=}{@value
 * ExternalStrategy#PATH} and the caller's variables as its whole environment, {@code /} as its working directory;
 * its own session and cgroup where possible ({@link ScriptProcess}), every process of the run SIGKILLed at the
 * timeout and, for what it leaves behind, when it exits. Its output is discarded. Exported to {@code io.lb4j.alerts}
 * only. Thread-safe: no state.
 */
public final class ScriptRunner {

    private ScriptRunner() {
    }

    /**
     * The real path of {@code script}, once it passes every rule; for checking a configuration.
     *
     * @param setting     the setting that names it, for messages
     * @param directories the script directories: absolute, normalized
     * @throws IllegalArgumentException {@code "<setting>: <script> (expected: ...; <what is wrong>)"}
     */
    public static Path resolve(String setting, Path script, List<Path> directories) {
        return ScriptSecurity.system().resolve(Objects.requireNonNull(setting, "setting"), script, directories);
    }

    /**
     * Runs {@code script} with {@code arguments}; completes with its exit status, or exceptionally with an
     * {@link IllegalArgumentException} (refused), an {@link IOException} (not started) or a {@link TimeoutException}
     * (killed at {@code timeout}). Returns at once: the script starts on a virtual thread.
     */
    public static CompletableFuture<Integer> run(String setting, Path script, List<Path> directories,
                                                 List<String> arguments, Map<String, String> environment,
                                                 Duration timeout) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread.ofVirtual().name("lb4j-script").start(() -> {
            ScriptProcess started;
            try {
                Path real = resolve(setting, script, directories);
                ProcessBuilder builder = new ProcessBuilder().redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).directory(new File("/"));
                Map<String, String> env = builder.environment();
                env.clear(); // the balancer's environment (credentials, proxies) is not the script's
                env.put("PATH", ExternalStrategy.PATH);
                env.putAll(environment);
                List<String> command = new ArrayList<>();
                command.add(real.toString());
                command.addAll(arguments);
                started = ScriptProcess.start(builder, command, Cgroup.own());
            } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            started.release();
            started.process().onExit().thenAccept(p -> result.complete(p.exitValue()));
            result.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
            // However it ends (exit or timeout), what is left of the run is killed and reaped.
            result.whenComplete((status, error) -> started.close());
        });
        return result;
    }
}
