package io.lb4j.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Two appliance hosts on one bridge, in network namespaces (the approach of lb-ha's {@code NetnsLab}): the bridge in
 * a namespace of its own ({@code <prefix>-br}), so the root namespace has no address on the lab subnet and no lab
 * traffic ever touches it; node A 10.78.0.1/24 and node B 10.78.0.2/24, each with {@code eth0} on the bridge and
 * {@code net.ipv4.ip_nonlocal_bind=1} (the proxy engine on the backup binds the VIP before it owns it). Names are
 * unique per run: {@code lb4jex-XXXXXX-{br,a,b}}.
 *
 * <p>{@link #close()} kills every process left in its namespaces and deletes them, also after a failure half-way
 * through setting up.
 */
final class PairLab implements AutoCloseable {

    static final String PREFIX = "lb4jex-";
    static final String VIP = "10.78.0.100";

    final String prefix = PREFIX + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
    final Path dir;
    private final List<String> namespaces = new ArrayList<>();

    /** Why the lab cannot run here, or empty: it needs root and iproute2. */
    static Optional<String> unavailable() {
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: -1").split("\\s+")[1];
            if (!uid.equals("0")) {
                return Optional.of("network-namespace tests need root (uid " + uid + ")");
            }
        } catch (IOException e) {
            return Optional.of("cannot read /proc/self/status (not Linux?): " + e.getMessage());
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))) {
            return Optional.of("iproute2 'ip' not found (apt-get install -y iproute2)");
        }
        return Optional.empty();
    }

    PairLab() throws IOException {
        dir = Files.createTempDirectory(prefix);
        try {
            addNamespace("br");
            sh("ip", "-n", ns("br"), "link", "add", "br0", "type", "bridge");
            sh("ip", "-n", ns("br"), "link", "set", "br0", "up");
            for (String[] h : new String[][]{{"a", "1"}, {"b", "2"}}) {
                addNamespace(h[0]);
                // Created directly inside the namespaces: the root namespace never holds either end.
                sh("ip", "link", "add", "eth0", "netns", ns(h[0]), "type", "veth", "peer", "name", "p-" + h[0],
                        "netns", ns("br"));
                sh("ip", "-n", ns("br"), "link", "set", "p-" + h[0], "master", "br0");
                sh("ip", "-n", ns("br"), "link", "set", "p-" + h[0], "up");
                sh("ip", "-n", ns(h[0]), "link", "set", "lo", "up");
                sh("ip", "-n", ns(h[0]), "addr", "add", address(h[0]) + "/24", "dev", "eth0");
                sh("ip", "-n", ns(h[0]), "link", "set", "eth0", "up");
                sh("ip", "netns", "exec", ns(h[0]), "sysctl", "-qw", "net.ipv4.ip_nonlocal_bind=1");
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    static String address(String host) {
        return host.equals("a") ? "10.78.0.1" : "10.78.0.2";
    }

    String ns(String host) {
        return prefix + "-" + host;
    }

    /** Whether {@code host}'s eth0 carries the VIP now. */
    boolean hasVip(String host) throws IOException {
        return sh("ip", "-n", ns(host), "-4", "-o", "addr", "show", "dev", "eth0").contains(" " + VIP + "/");
    }

    private void addNamespace(String host) throws IOException {
        sh("ip", "netns", "add", ns(host));
        namespaces.add(ns(host));
    }

    private static String sh(String... command) throws IOException {
        return run(List.of(command), false);
    }

    private static String run(List<String> command, boolean tolerateFailure) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in 10 s");
            }
            if (p.exitValue() != 0 && !tolerateFailure) {
                throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out.trim());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    /** Kills what still runs in the lab's namespaces (by pid), deletes them and the lab's directory. Idempotent. */
    @Override
    public void close() {
        for (String ns : namespaces) {
            try {
                for (String pid : run(List.of("ip", "netns", "pids", ns), true).trim().split("\\s+")) {
                    if (!pid.isBlank()) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // best effort: deleting the namespace below is what matters
            }
        }
        for (String ns : namespaces.reversed()) {
            try {
                run(List.of("ip", "netns", "del", ns), true);
            } catch (IOException e) {
                System.err.println("could not delete network namespace " + ns + ": " + e.getMessage());
            }
        }
        namespaces.clear();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    /** The namespaces present now whose names start with {@code prefix} (to assert that nothing is left). */
    static List<String> namespacesStartingWith(String prefix) throws IOException {
        return run(List.of("ip", "netns", "list"), false).lines().map(l -> l.split(" ")[0])
                .filter(n -> n.startsWith(prefix)).toList();
    }
}
