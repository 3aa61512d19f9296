package io.lb4j.healthcheck.external;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The processes of one script run, kept together so that they can be killed together.
 *
 * <p>The script starts held: {@code /bin/sh} waits for one line on its standard input before it execs
 * {@code setsid -w} (a new session and process group, so no signal or kill meant for the balancer's group reaches it,
 * and its session can be found later), which execs the script; the pid stays the same throughout. While it is held,
 * the process is moved into a cgroup of its own when {@link Cgroup#own()} is available, so that nothing the script
 * forks is ever outside it; only at {@link #release()} is the line sent and standard input closed (the script reads
 * end of input, as before). A run that ends while held is killed without the script ever running. Killing writes
 * {@code cgroup.kill}; without a cgroup it walks the {@link ProcessTree}.
 *
 * <p>{@link #close()} kills whatever is left and completes once the script has been reaped (the JDK reaps its own
 * children; what it forked is re-parented to init, which reaps it), nothing of the run is running any more and the
 * cgroup is removed. Thread-safe.
 */
final class ScriptProcess {

    private static final Logger LOG = LoggerFactory.getLogger(ScriptProcess.class);

    /** Waits for the go line, then becomes the rest of the command line. */
    private static final String HOLD = "IFS= read -r go && exec \"$@\"";
    private static final Optional<Path> SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid").map(Path::of)
            .filter(Files::isExecutable).findFirst();
    private static final AtomicLong RUNS = new AtomicLong();
    /** How long {@link #close()} waits for killed processes to exit before it gives up on them. */
    private static final Duration GONE_WAIT = Duration.ofSeconds(30);

    private final Process process;
    private final Cgroup cgroup; // null: contained by session and tree only
    private final ProcessTree tree;
    private CompletableFuture<Void> closed;
    private boolean removed; // the cgroup, once empty

    private ScriptProcess(Process process, Cgroup cgroup) {
        this.process = process;
        this.cgroup = cgroup;
        this.tree = new ProcessTree(process.toHandle(), SETSID.isPresent());
    }

    /**
     * Starts {@code command} with {@code builder}'s environment, directory and redirections, held until
     * {@link #release()}.
     *
     * @param cgroups where to make the run's cgroup; empty to do without
     */
    static ScriptProcess start(ProcessBuilder builder, List<String> command, Optional<Cgroup> cgroups)
            throws IOException {
        List<String> full = new ArrayList<>(List.of("/bin/sh", "-c", HOLD, "lb4j-check"));
        SETSID.ifPresent(s -> full.addAll(List.of(s.toString(), "-w")));
        full.addAll(command);
        Cgroup cgroup = null;
        if (cgroups.isPresent()) {
            String name = "lb4j-check-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet();
            try {
                cgroup = cgroups.get().newChild(name);
            } catch (IOException e) {
                LOG.warn("external check: cannot make cgroup {} under {} ({}); this run is contained by its session"
                        + " and process tree only", name, cgroups.get(), e.toString());
            }
        }
        Process process;
        try {
            process = builder.command(full).start();
        } catch (IOException | RuntimeException e) {
            removeQuietly(cgroup);
            throw e;
        }
        if (cgroup != null) {
            try {
                cgroup.adopt(process.pid());
            } catch (IOException e) {
                LOG.warn("external check: cannot move pid {} into cgroup {} ({}); this run is contained by its session"
                        + " and process tree only", process.pid(), cgroup, e.toString());
                removeQuietly(cgroup);
                cgroup = null;
            }
        }
        return new ScriptProcess(process, cgroup);
    }

    /**
     * Lets the held process exec the script. Until then the script has not run; if the JVM dies first, the shell reads
     * end of input and exits without running it.
     */
    void release() {
        try (OutputStream go = process.getOutputStream()) {
            go.write('\n');
        } catch (IOException e) {
            // Already killed: its exit is reported like any other.
        }
    }

    /** The script (the JDK's handle on the held shell, which became the script). */
    Process process() {
        return process;
    }

    /** SIGKILLs every process of the run still alive; how many this call killed. */
    synchronized int kill() {
        if (cgroup != null) {
            if (removed) {
                return 0; // empty, so nothing to kill
            }
            try {
                return cgroup.kill();
            } catch (IOException e) {
                LOG.warn("external check: cannot kill cgroup {} ({}); killing its process tree", cgroup, e.toString());
            }
        }
        return tree.kill();
    }

    /** Kills what is left; completes when the run's processes are all gone and its cgroup removed. Idempotent. */
    synchronized CompletableFuture<Void> close() {
        if (closed == null) {
            kill();
            closed = process.onExit().thenRunAsync(this::awaitGone, r -> Thread.ofVirtual()
                    .name("lb4j-external-cleanup").start(r));
        }
        return closed;
    }

    /**
     * Once the script is reaped, waits with a growing pause until nothing of the run is running, killing again what
     * appeared meanwhile (without a cgroup: what the script left in its session), then removes the cgroup. A zombie
     * counts as gone: its parent, init, reaps it when it will.
     */
    private void awaitGone() {
        long deadline = System.nanoTime() + GONE_WAIT.toNanos();
        long pauseMillis = 1;
        try {
            while (running()) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("external check: processes of {} still running {} after they were killed; giving up"
                            + " on them", cgroup != null ? "cgroup " + cgroup : "pid " + process.pid(), GONE_WAIT);
                    return;
                }
                kill();
                TimeUnit.MILLISECONDS.sleep(pauseMillis);
                pauseMillis = Math.min(pauseMillis * 2, 100);
            }
            if (cgroup != null) {
                synchronized (this) { // not while kill() writes to it
                    cgroup.remove();
                    removed = true;
                }
            }
        } catch (IOException e) {
            LOG.warn("external check: cannot remove cgroup {} ({})", cgroup, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean running() throws IOException {
        if (cgroup != null) {
            return cgroup.populated();
        }
        tree.kill(); // the script is gone: what it left in its session is found only now
        return tree.anyRunning();
    }

    private static void removeQuietly(Cgroup cgroup) {
        if (cgroup != null) {
            try {
                cgroup.remove();
            } catch (IOException e) {
                LOG.warn("external check: cannot remove cgroup {} ({})", cgroup, e.toString());
            }
        }
    }
}
