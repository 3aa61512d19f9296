package io.lb4j.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The appliance as a child JVM, started from the test's own class path with the test JVM's java binary (JDK 25), its
 * output collected as it comes so tests can wait for a line with a deadline.
 */
final class ApplianceProcess implements AutoCloseable {

    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();

    ApplianceProcess(Process process) {
        this.process = process;
        pump(process.getInputStream(), out);
        pump(process.getErrorStream(), err);
    }

    static ApplianceProcess start(String... args) throws IOException {
        return new ApplianceProcess(new ProcessBuilder(command(List.of(), args)).start());
    }

    /**
     * The appliance in network namespace {@code netns}: {@code ip netns exec NS java ...}, which execs the JVM, so
     * {@link #pid()} and {@link #signal} reach the appliance itself.
     */
    static ApplianceProcess startInNamespace(String netns, String... args) throws IOException {
        return new ApplianceProcess(new ProcessBuilder(command(List.of("ip", "netns", "exec", netns), args)).start());
    }

    private static List<String> command(List<String> prefix, String... args) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> command = new java.util.ArrayList<>(prefix);
        command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Dlb4j.log.level=warn", "--enable-native-access=ALL-UNNAMED",
                Appliance.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    static ApplianceProcess run(Path config) throws IOException {
        return start("--config", config.toString());
    }

    /** As {@link #run(Path)}, with environment variables added, e.g. the {@code STATE_DIRECTORY} systemd sets. */
    static ApplianceProcess run(Path config, java.util.Map<String, String> environment) throws IOException {
        ProcessBuilder b = new ProcessBuilder(command(List.of(), "--config", config.toString()));
        b.environment().putAll(environment);
        return new ApplianceProcess(b.start());
    }

    private final java.util.List<Thread> pumps = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void pump(InputStream in, StringBuffer into) {
        pumps.add(Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the process ended
            }
        }));
    }

    String stdout() {
        return out.toString();
    }

    String stderr() {
        return err.toString();
    }

    long pid() {
        return process.pid();
    }

    /** Polls until {@code condition} holds on standard output; fails with both streams when the deadline passes. */
    void awaitStdout(Predicate<String> condition, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.test(stdout())) {
            if (System.nanoTime() > deadline || (!process.isAlive() && !condition.test(stdout()))) {
                throw new AssertionError((process.isAlive() ? "timed out waiting for " : "exited ("
                        + process.exitValue() + ") before ") + what + "\n--- stdout:\n" + stdout()
                        + "\n--- stderr:\n" + stderr());
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    void awaitStdoutContains(String text, Duration limit) throws InterruptedException {
        awaitStdout(s -> s.contains(text), limit, "\"" + text + "\"");
    }

    /** Polls until standard error contains {@code text} (its pump runs apart from standard output's). */
    void awaitStderrContains(String text, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!stderr().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for \"" + text + "\" on standard error\n--- stdout:\n"
                        + stdout() + "\n--- stderr:\n" + stderr());
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /** Sends a signal with kill(1), e.g. {@code HUP}. */
    void signal(String name) throws IOException, InterruptedException {
        int rc = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " exited " + rc);
        }
    }

    /** Waits for the process to end and for everything it wrote to be read; returns its exit status. */
    int awaitExit(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("appliance still running after " + limit + "\n--- stdout:\n" + stdout()
                    + "\n--- stderr:\n" + stderr());
        }
        for (Thread t : pumps) {
            // The pipes reach end-of-file once the process is gone; its last lines may still be in them.
            if (!t.join(limit)) {
                throw new AssertionError("output of the appliance not fully read within " + limit);
            }
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
