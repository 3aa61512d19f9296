package io.lb4j.ha.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A lab of network namespaces for the pair tests: a bridge in a namespace of its own ({@code <prefix>-br}, so the
 * root namespace has no address on the lab subnet and no lab traffic ever leaves it), node A (lb4j), node B
 * (keepalived or a second lb4j) and a client C, each with {@code eth0} on the bridge:
 * A 10.77.0.1, B 10.77.0.2, C 10.77.0.10, all /24. Names are unique per run ({@code lb4jha-XXXXXX}).
 *
 * <p>{@link #close()} kills every process it started and every process left in its namespaces, then deletes the
 * namespaces, also after a failure half-way through setting up.
 */
final class NetnsLab implements AutoCloseable {

    static final String SUBNET = "10.77.0.";
    static final String VIP = "10.77.0.100";
    /** The packet-engine pair's floating gateway: a second VRRP address, the MASQ fallback's default route. */
    static final String GATEWAY = "10.77.0.99";

    final String prefix = "lb4jha-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
    final Path dir;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();

    /** Why the lab cannot run here, or empty: needs root and iproute2. */
    static Optional<String> unavailable() {
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: -1").split("\\s+")[1];
            if (!uid.equals("0")) {
                return Optional.of("network-namespace tests need root (uid " + uid + ")");
            }
        } catch (IOException e) {
            return Optional.of("cannot read /proc/self/status: " + e.getMessage());
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))) {
            return Optional.of("iproute2 'ip' not found (apt-get install -y iproute2)");
        }
        return Optional.empty();
    }

    /** Why keepalived tests cannot run, or empty. */
    static Optional<String> keepalivedUnavailable() {
        for (String p : List.of("/usr/sbin/keepalived", "/sbin/keepalived", "/usr/local/sbin/keepalived")) {
            if (Files.isExecutable(Path.of(p))) {
                return Optional.empty();
            }
        }
        return Optional.of("keepalived not installed (apt-get install -y keepalived)");
    }

    private final boolean realServers;

    NetnsLab() throws IOException {
        this(false);
    }

    /**
     * A lab; with {@code realServers} also two direct-routing real servers R1 10.77.0.110 and R2 10.77.0.111 (the VIP
     * on {@code lo}, never answered by ARP), a MASQ fallback F 10.77.0.120/32 whose default route is the pair's
     * floating gateway {@link #GATEWAY}, and every host's offloads off, so a packet engine on A or B sees frames at
     * wire size.
     */
    NetnsLab(boolean realServers) throws IOException {
        this.realServers = realServers;
        dir = Files.createTempDirectory(prefix);
        try {
            create();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void create() throws IOException {
        addNamespace("br");
        sh("ip", "-n", ns("br"), "link", "add", "br0", "type", "bridge");
        sh("ip", "-n", ns("br"), "link", "set", "br0", "up");
        String[][] hosts = realServers
                ? new String[][]{{"a", "1"}, {"b", "2"}, {"c", "10"}, {"r1", "110"}, {"r2", "111"}, {"f", "120"}}
                : new String[][]{{"a", "1"}, {"b", "2"}, {"c", "10"}};
        for (String[] h : hosts) {
            addNamespace(h[0]);
            // Created directly inside the namespaces: the root namespace never holds either end.
            sh("ip", "link", "add", "eth0", "netns", ns(h[0]), "type", "veth", "peer", "name", "p-" + h[0],
                    "netns", ns("br"));
            sh("ip", "-n", ns("br"), "link", "set", "p-" + h[0], "master", "br0");
            sh("ip", "-n", ns("br"), "link", "set", "p-" + h[0], "up");
            sh("ip", "-n", ns(h[0]), "link", "set", "lo", "up");
            // The MASQ fallback has a /32: nothing is on-link for it, so its replies take the route via the gateway.
            sh("ip", "-n", ns(h[0]), "addr", "add", SUBNET + h[1] + (h[0].equals("f") ? "/32" : "/24"), "dev", "eth0");
            sh("ip", "-n", ns(h[0]), "link", "set", "eth0", "up");
            if (realServers) {
                sh("ip", "netns", "exec", ns(h[0]), "ethtool", "-K", "eth0", "tso", "off", "gso", "off", "gro", "off");
            }
        }
        if (realServers) {
            for (String r : List.of("r1", "r2")) {
                sh("ip", "-n", ns(r), "addr", "add", VIP + "/32", "dev", "lo");
                sh("ip", "netns", "exec", ns(r), "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1",
                        "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.eth0.arp_ignore=1",
                        "net.ipv4.conf.eth0.arp_announce=2");
            }
            // The fallback answers through the pair's floating gateway, which only the master's engine answers for.
            sh("ip", "-n", ns("f"), "route", "add", GATEWAY + "/32", "dev", "eth0");
            sh("ip", "-n", ns("f"), "route", "add", "default", "via", GATEWAY);
            for (String lb : List.of("a", "b")) {
                // The packet engine forwards the VIP's frames; the host must not forward them a second time.
                sh("ip", "netns", "exec", ns(lb), "sysctl", "-qw", "net.ipv4.ip_forward=0");
            }
        }
    }

    /** Why the packet-engine pair test cannot run, or empty: needs ethtool besides the lab's own needs. */
    static Optional<String> ethtoolUnavailable() {
        for (String p : List.of("/usr/sbin/ethtool", "/sbin/ethtool")) {
            if (Files.isExecutable(Path.of(p))) {
                return Optional.empty();
            }
        }
        return Optional.of("ethtool not installed (apt-get install -y ethtool)");
    }

    private void addNamespace(String name) throws IOException {
        sh("ip", "netns", "add", ns(name));
        namespaces.add(ns(name));
    }

    String ns(String host) {
        return prefix + "-" + host;
    }

    /** The MAC address of {@code host}'s eth0. */
    String mac(String host) throws IOException {
        String out = sh("ip", "-n", ns(host), "-o", "link", "show", "eth0");
        int at = out.indexOf("link/ether ");
        return out.substring(at + 11, at + 28);
    }

    /** Whether {@code host}'s eth0 carries the VIP. */
    boolean hasVip(String host) throws IOException {
        return sh("ip", "-n", ns(host), "-4", "-o", "addr", "show", "dev", "eth0").contains(" " + VIP + "/");
    }

    /** The client's neighbour entry for the VIP: its MAC address, or empty. */
    Optional<String> clientArpForVip() throws IOException {
        String out = sh("ip", "-n", ns("c"), "neigh", "show", VIP, "dev", "eth0");
        int at = out.indexOf("lladdr ");
        return at < 0 ? Optional.empty() : Optional.of(out.substring(at + 7, at + 24));
    }

    /** Makes the client resolve the VIP: a TCP connection attempt to port 9 (refused or not, ARP happens). */
    void clientTouchesVip() throws IOException {
        run(List.of("ip", "netns", "exec", ns("c"), "timeout", "2", "bash", "-c",
                "exec 3<>/dev/tcp/" + VIP + "/9 || true"), true);
    }

    /** Watches {@code host}'s addresses ({@code ip monitor address}): lines saying the VIP was added or deleted. */
    Output watchVip(String host) throws IOException {
        Process p = start(List.of("ip", "-n", ns(host), "-o", "monitor", "address"));
        Output o = new Output(p, "monitor-" + host);
        // ip monitor prints nothing until an event: give it a moment to subscribe before the test acts.
        o.await(0, l -> false, Duration.ofMillis(200));
        return o;
    }

    /** tcpdump in the client namespace, one line per VRRP packet ("... prio 0 ..."), line-buffered. */
    Output sniffVrrp() throws IOException {
        Process p = start(List.of("ip", "netns", "exec", ns("c"), "tcpdump", "--immediate-mode", "-l", "-n", "-i", "eth0", "ip proto 112"));
        Output o = new Output(p, "tcpdump");
        if (o.await(0, l -> l.contains("listening on"), Duration.ofSeconds(5)).isEmpty()) {
            throw new IOException("tcpdump did not start:\n" + o.text());
        }
        return o;
    }

    /** Why tcpdump-based measurements cannot run, or empty. */
    static Optional<String> tcpdumpUnavailable() {
        for (String p : List.of("/usr/bin/tcpdump", "/usr/sbin/tcpdump")) {
            if (Files.isExecutable(Path.of(p))) {
                return Optional.empty();
            }
        }
        return Optional.of("tcpdump not installed (apt-get install -y tcpdump)");
    }

    static boolean vipAdded(String monitorLine) {
        return monitorLine.contains(" " + VIP + "/") && !monitorLine.startsWith("Deleted");
    }

    /** Takes the bridge port of {@code host} down or up: the host's eth0 loses or regains its carrier. */
    void link(String host, boolean up) throws IOException {
        sh("ip", "-n", ns("br"), "link", "set", "p-" + host, up ? "up" : "down");
    }

    /** Starts a process the lab kills on close; stdout and stderr merged. */
    Process start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        processes.add(p);
        return p;
    }

    String sh(String... command) throws IOException {
        return run(List.of(command), false);
    }

    private String run(List<String> command, boolean tolerateFailure) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
        if (p.exitValue() != 0 && !tolerateFailure) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out.trim());
        }
        return out;
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (String ns : namespaces) {
            try {
                // Anything still running in our namespaces (keepalived's children) is ours: kill it by pid.
                for (String pid : run(List.of("ip", "netns", "pids", ns), true).trim().split("\\s+")) {
                    if (!pid.isBlank()) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // best effort: deleting the namespace below is what matters
            }
        }
        for (Process p : processes) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }

    /** The namespaces currently present whose name starts with this lab's prefix (for the cleanup test). */
    static List<String> namespacesStartingWith(String prefix) throws IOException {
        Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return out.lines().map(l -> l.split(" ")[0]).filter(n -> n.startsWith(prefix)).toList();
    }

    /** Lines a process prints, each stamped with {@link System#nanoTime()} when read. */
    static final class Output {
        record Line(long nanos, String text) {
        }

        private final List<Line> lines = new CopyOnWriteArrayList<>();
        private final Object signal = new Object();

        Output(Process p, String name) {
            Thread.ofPlatform().daemon().name("lab-out-" + name).start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        lines.add(new Line(System.nanoTime(), l));
                        synchronized (signal) {
                            signal.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // process gone
                }
            });
        }

        List<Line> lines() {
            return List.copyOf(lines);
        }

        /** The first line after index {@code from} matching {@code p}, waiting up to {@code timeout}. */
        Optional<Line> await(int from, Predicate<String> p, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (signal) {
                while (true) {
                    List<Line> all = lines;
                    for (int i = from; i < all.size(); i++) {
                        if (p.test(all.get(i).text())) {
                            return Optional.of(all.get(i));
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return Optional.empty();
                    }
                    try {
                        signal.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return Optional.empty();
                    }
                }
            }
        }

        int size() {
            return lines.size();
        }

        String text() {
            StringBuilder b = new StringBuilder();
            lines.forEach(l -> b.append(String.format("%.3f ", (l.nanos() % 100_000_000_000L) / 1e9))
                    .append(l.text()).append('\n'));
            return b.toString();
        }
    }

    static void write(Process p, String line) {
        try {
            OutputStream out = p.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
