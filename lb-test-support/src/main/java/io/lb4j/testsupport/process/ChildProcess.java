package io.lb4j.testsupport.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A program a test starts and talks to: a real peer (storescp, keepalived, tcpdump) or a Java main in a child JVM.
 * Standard output and standard error are merged and read as they come, line by line, each line stamped with
 * {@link System#nanoTime()} when read, so a test waits for a line with a deadline instead of sleeping, and measures
 * when something happened.
 *
 * <p>Two ways to wait: {@link #await(int, Predicate, Duration)} searches from a line index the caller keeps (for
 * tests that look back, e.g. "the first STATE line since the kill"); {@link #next(Predicate, Duration)} and
 * {@link #ask(String, Duration)} keep a cursor of their own, for a dialogue of one command and one answer.
 *
 * <p>{@link #close()} ends the program and every process it started: SIGTERM, then SIGKILL after
 * {@link #GRACE}; once it returns, {@link #lines()} holds everything the program wrote. Thread-safe.
 */
public final class ChildProcess implements AutoCloseable {

    /** How long {@link #close()} waits after SIGTERM before it sends SIGKILL. */
    public static final Duration GRACE = Duration.ofSeconds(5);

    /**
     * One line of output.
     *
     * @param nanos {@link System#nanoTime()} when the line was read
     * @param text  the line without its line terminator
     */
    public record Line(long nanos, String text) {
    }

    private final String name;
    private final Process process;
    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final Object arrived = new Object();
    private final Thread pump;
    private boolean ended;
    private int cursor;

    private ChildProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.pump = Thread.ofPlatform().daemon().name("child-" + name).start(this::pump);
    }

    /**
     * Starts {@code command}; {@code name} labels it in failure messages and thread names.
     *
     * @throws UncheckedIOException when the program cannot start
     */
    public static ChildProcess start(String name, List<String> command) {
        try {
            return new ChildProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot start " + String.join(" ", command), e);
        }
    }

    private void pump() {
        try (BufferedReader r = process.inputReader(StandardCharsets.UTF_8)) {
            String l;
            while ((l = r.readLine()) != null) {
                lines.add(new Line(System.nanoTime(), l));
                synchronized (arrived) {
                    arrived.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            synchronized (arrived) {
                ended = true;
                arrived.notifyAll();
            }
        }
    }

    /** The name given at start. */
    public String name() {
        return name;
    }

    /** The process id, for {@code kill -STOP} and the like. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Every line read so far, in order. */
    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** How many lines were read so far: the index the next line will have. */
    public int size() {
        return lines.size();
    }

    /** The text of every line read so far. */
    public List<String> transcript() {
        return lines.stream().map(Line::text).toList();
    }

    /** Every line read so far, each after its read time in seconds, for failure messages. */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (Line l : lines) {
            b.append(String.format(Locale.ROOT, "%.3f ", (l.nanos() % 100_000_000_000L) / 1e9)).append(l.text())
                    .append('\n');
        }
        return b.toString();
    }

    /**
     * The first line at index {@code from} or later that {@code matches}, waiting up to {@code timeout} for it; empty
     * when none came in time or the output ended without one.
     */
    public Optional<Line> await(int from, Predicate<String> matches, Duration timeout) {
        int i = indexOf(from, matches, timeout);
        return i < 0 ? Optional.empty() : Optional.of(lines.get(i));
    }

    private int indexOf(int from, Predicate<String> matches, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int i = from;
        synchronized (arrived) {
            while (true) {
                for (; i < lines.size(); i++) {
                    if (matches.test(lines.get(i).text())) {
                        return i;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || ended && i >= lines.size()) {
                    return -1;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(arrived, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
            }
        }
    }

    /**
     * The next line after the last one {@code next} or {@link #ask} returned that {@code matches}, skipping others.
     *
     * @throws AssertionError with the transcript when none comes within {@code timeout}
     */
    public synchronized String next(Predicate<String> matches, Duration timeout) {
        int i = indexOf(cursor, matches, timeout);
        if (i < 0) {
            throw new AssertionError(name + ": no matching line within " + timeout + "; alive=" + isAlive()
                    + "; output:\n" + text());
        }
        cursor = i + 1;
        return lines.get(i).text();
    }

    /**
     * Sends one command line and returns the next line that starts with {@code OK} or {@code FAIL}: the protocol of
     * the lab's command-driven mains.
     *
     * @throws AssertionError with the transcript when no answer comes within {@code timeout}
     */
    public synchronized String ask(String command, Duration timeout) {
        write(command);
        return next(l -> l.startsWith("OK") || l.startsWith("FAIL"), timeout);
    }

    /**
     * Writes {@code line} and a newline to the program's standard input.
     *
     * @throws AssertionError with the transcript when the program no longer reads it
     */
    public void write(String line) {
        try {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new AssertionError(name + ": cannot send \"" + line + "\": " + e + "; output:\n" + text(), e);
        }
    }

    /**
     * Waits until {@code address} accepts TCP connections (a peer that is ready to serve).
     *
     * @throws AssertionError with the output when the program exits first or {@code timeout} passes
     */
    public void awaitListening(InetSocketAddress address, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!accepts(address)) {
            // Waiting on the process both paces the polling and notices a program that died on start.
            if (waitForExit(Duration.ofMillis(20))) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before " + address
                        + " accepted connections; output:\n" + text());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(name + ": " + address + " does not accept connections after " + timeout
                        + "; output:\n" + text());
            }
        }
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until the program exits and its output is read to the end; returns its exit status.
     *
     * @throws AssertionError with the output when it still runs after {@code timeout}
     */
    public int awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!waitForExit(timeout)) {
            throw new AssertionError(name + " still running after " + timeout + "; output:\n" + text());
        }
        try {
            // The pipe ends once the program and every child that inherited it are gone.
            pump.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.exitValue();
    }

    private boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** SIGKILL to the program and every process it started; returns once the program is gone. */
    public void kill() {
        end(false);
    }

    /** SIGTERM to the program and every process it started, SIGKILL after {@link #GRACE}; returns once it is gone. */
    @Override
    public void close() {
        end(true);
    }

    private void end(boolean gracefully) {
        // Collected first: once the program is gone its children belong to init and are no longer its descendants.
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        boolean interrupted = Thread.interrupted(); // cleanup must finish even when the test was interrupted
        if (gracefully) {
            tree.forEach(ProcessHandle::destroy);
            waitForExit(GRACE);
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        if (!waitForExit(GRACE)) {
            System.err.println(name + ": pid " + pid() + " still running after SIGKILL");
        }
        try {
            pump.join(GRACE); // so that lines() holds everything it wrote before it ended
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
