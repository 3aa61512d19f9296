package io.lb4j.engine.packet.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child process of the namespace lab that the test talks to line by line: stdout lines are queued as they come,
 * so the test waits for an answer with a deadline instead of sleeping. Every line (stdout and stderr) is also kept
 * for the failure message.
 */
public final class Agent implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> transcript = Collections.synchronizedList(new ArrayList<>());

    private Agent(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(process.inputReader(StandardCharsets.UTF_8), true);
        pump(process.errorReader(StandardCharsets.UTF_8), false);
    }

    /** Starts {@code command}; {@code name} labels its lines in failure messages. */
    public static Agent start(String name, List<String> command) throws IOException {
        return new Agent(name, new ProcessBuilder(command).start());
    }

    private void pump(BufferedReader reader, boolean queue) {
        Thread.ofPlatform().daemon().name("lab-" + name + (queue ? "-out" : "-err")).start(() -> {
            try (reader) {
                String line;
                while ((line = reader.readLine()) != null) {
                    transcript.add((queue ? "" : "[err] ") + line);
                    if (queue) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
    }

    /** Waits for the next stdout line that {@code matches}, skipping others. */
    public String await(Predicate<String> matches, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError(name + ": no matching line within " + timeout + "; alive="
                            + process.isAlive() + "; transcript:\n  " + String.join("\n  ", transcript()));
                }
                if (matches.test(line)) {
                    return line;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(name + ": interrupted");
        }
    }

    /** Sends one command line and returns the next {@code OK}/{@code FAIL} answer. */
    public String ask(String command, Duration timeout) {
        try {
            stdin.write(command + "\n");
            stdin.flush();
        } catch (IOException e) {
            throw new AssertionError(name + ": cannot send \"" + command + "\": " + e + "; transcript:\n  "
                    + String.join("\n  ", transcript()));
        }
        return await(l -> l.startsWith("OK") || l.startsWith("FAIL"), timeout);
    }

    public List<String> transcript() {
        synchronized (transcript) {
            return List.copyOf(transcript);
        }
    }

    @Override
    public String toString() {
        return name;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Ends the process (SIGTERM, then SIGKILL after 5 s) and waits for it. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
