package io.lb4j.testsupport.process;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program to completion (standard output and error merged) and finds programs on this machine. Every run is
 * bounded: a program that has not finished after {@link #TIMEOUT} (or the timeout given) is killed with its children
 * and the run fails.
 */
public final class Command {

    /** How long one run may take. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** The Debian package behind each program the tests use, for the message that says what to install. */
    private static final Map<String, String> PACKAGES = Map.ofEntries(Map.entry("ip", "iproute2"),
            Map.entry("ss", "iproute2"), Map.entry("ethtool", "ethtool"), Map.entry("tcpdump", "tcpdump"),
            Map.entry("keepalived", "keepalived"), Map.entry("nft", "nftables"), Map.entry("iperf3", "iperf3"),
            Map.entry("curl", "curl"), Map.entry("storescp", "dcmtk"), Map.entry("storescu", "dcmtk"),
            Map.entry("echoscu", "dcmtk"), Map.entry("dcmqrscp", "dcmtk"), Map.entry("dump2dcm", "dcmtk"),
            Map.entry("Orthanc", "orthanc"), Map.entry("snmpwalk", "snmp"), Map.entry("snmpget", "snmp"),
            Map.entry("snmpbulkwalk", "snmp"),
            Map.entry("snmptranslate", "snmp"), Map.entry("bird", "bird2"), Map.entry("birdc", "bird2"));

    /** Directories searched besides {@code PATH}: root's tools live there and a test JVM's PATH may lack them. */
    private static final List<String> SYSTEM_DIRECTORIES = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

    private Command() {
    }

    /**
     * How a run ended.
     *
     * @param exitCode the program's exit status
     * @param output   what it wrote to standard output and standard error, interleaved as it wrote them
     */
    public record Result(int exitCode, String output) {
    }

    /**
     * Runs {@code command} and returns its output.
     *
     * @throws UncheckedIOException naming the command, its exit status and its output when it cannot start, exits
     *                              with a status other than 0 or runs longer than {@link #TIMEOUT}
     */
    public static String run(String... command) {
        return run(List.of(command));
    }

    /** As {@link #run(String...)}. */
    public static String run(List<String> command) {
        return run(command, TIMEOUT);
    }

    /** As {@link #run(String...)}, for a program that runs longer than {@link #TIMEOUT}, e.g. a benchmark. */
    public static String run(List<String> command, Duration timeout) {
        Result r = attempt(command, timeout);
        if (r.exitCode() != 0) {
            throw new UncheckedIOException(new IOException(String.join(" ", command) + ": exit " + r.exitCode()
                    + ": " + r.output().strip()));
        }
        return r.output();
    }

    /**
     * Runs {@code command} whatever its exit status; for the commands whose failure is an answer.
     *
     * @throws UncheckedIOException when it cannot start or runs longer than {@link #TIMEOUT}
     */
    public static Result attempt(List<String> command) {
        return attempt(command, TIMEOUT);
    }

    /** As {@link #attempt(List)}, bounded by {@code timeout}. */
    public static Result attempt(List<String> command, Duration timeout) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                    new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", command) + ": cannot start", e);
        }
        // Read while it runs (a full pipe would block it), on a thread of its own so the timeout below still holds
        // when the program hangs.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        p.descendants().forEach(ProcessHandle::destroyForcibly);
                        p.destroyForcibly();
                        throw new UncheckedIOException(new IOException(String.join(" ", command)
                                + ": still running after " + timeout + ", killed"));
                    }
                    reader.join(TIMEOUT);
                    break;
                } catch (InterruptedException e) {
                    // Finish the run: the caller may be cleaning up after an interrupt. The flag is set again below.
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (out) {
            return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the program ended; what it wrote is kept
        }
    }

    /** Whether {@code program} is an executable on {@code PATH} or in the system directories. */
    public static boolean installed(String program) {
        return locate(program).isPresent();
    }

    /** The executable {@code program}, looked up on {@code PATH} and in the system directories. */
    public static Optional<Path> locate(String program) {
        Set<String> dirs = new LinkedHashSet<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                dirs.add(dir);
            }
        }
        dirs.addAll(SYSTEM_DIRECTORIES);
        return dirs.stream().map(d -> Path.of(d, program)).filter(Files::isExecutable).findFirst();
    }

    /**
     * Why a test that needs {@code programs} cannot run here, or empty: the first missing one with the package that
     * brings it, e.g. {@code "tcpdump not installed (apt-get install -y tcpdump)"}.
     */
    public static Optional<String> missing(String... programs) {
        List<String> absent = new ArrayList<>();
        for (String p : programs) {
            if (!installed(p)) {
                absent.add(p);
            }
        }
        if (absent.isEmpty()) {
            return Optional.empty();
        }
        String p = absent.getFirst();
        return Optional.of(p + " not installed (apt-get install -y " + PACKAGES.getOrDefault(p, p) + ")");
    }

    /** Whether this JVM runs as root (uid 0), as network namespaces and raw sockets need. */
    public static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                    .findFirst().map(l -> l.split("\\s+")[1].equals("0")).orElse(false);
        } catch (IOException e) {
            return false; // not Linux
        }
    }
}
