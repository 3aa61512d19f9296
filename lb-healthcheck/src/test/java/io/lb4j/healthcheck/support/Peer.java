package io.lb4j.healthcheck.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real peer program (storescp, dcmqrscp, ...) started for one test and killed with all its children when the
 * test ends, passed or failed (use try-with-resources).
 */
public final class Peer implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final String name;

    private Peer(Process process, Path log, String name) {
        this.process = process;
        this.log = log;
        this.name = name;
    }

    /** Starts {@code command} and waits until it accepts connections on {@code port} (at most 15 s). */
    public static Peer start(int port, String... command) {
        Path log;
        Process p;
        try {
            log = Files.createTempFile("lb4j-peer-", ".log");
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(new File("/dev/null")).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Peer peer = new Peer(p, log, command[0]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        try {
            while (!Loopback.accepts(port)) {
                // Waiting on the process both paces the polling and notices a peer that died on start.
                if (p.waitFor(20, TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException(peer.name + " exited with " + p.exitValue() + " on start: " + peer.output());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(peer.name + " not listening on port " + port + " after 15 s: " + peer.output());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            peer.close();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    /** What the peer printed so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The peer and its descendants, for leak assertions. */
    public List<ProcessHandle> processes() {
        List<ProcessHandle> all = new java.util.ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        return all;
    }

    @Override
    public void close() {
        List<ProcessHandle> tree = processes();
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file; nothing else to do
        }
    }

    /** Runs a command to completion (at most 30 s) and returns its exit status. */
    public static int runToEnd(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command[0] + " did not finish in 30 s");
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code program} is on the PATH. */
    public static boolean installed(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
