package io.lb4j.benchmarks.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.linux.Libc;
import io.lb4j.linux.Link;
import io.lb4j.engine.packet.PacketEngine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * End to end in network namespaces: iperf3 from a client to a VIP, forwarded by direct routing three ways in the
 * same run: lb4j's {@link PacketEngine}, the kernel (an nftables {@code netdev} ingress rule that sets both MACs and
 * {@code fwd}s the frame, the same work DR does), and no balancer at all (the client sends straight to the server,
 * the ceiling). Bulk TCP (Gbit/s) and small UDP datagrams (packets/s received by the server).
 *
 * <pre>
 * mvn -q -pl benchmarks -am package -DskipTests
 * sudo java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     io.lb4j.benchmarks.packet.EndToEndHarness [seconds]
 * </pre>
 *
 * Root only; needs iproute2, ethtool, nftables and iperf3. Creates namespaces {@code lb4jb-XXXXXX-*} (client,
 * balancer, server and a bridge) and deletes them at the end, also on failure; no packet leaves them.
 */
public final class EndToEndHarness {

    static final String VIP = "10.214.0.100";
    static final String CLIENT = "10.214.0.10";
    static final String BALANCER = "10.214.0.2";
    static final String SERVER = "10.214.0.110";

    private final String prefix = "lb4jb-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000,
            0xFFFFFF));
    private final String bridge = prefix + "-br";
    private final String client = prefix + "-c";
    private final String balancer = prefix + "-b";
    private final String server = prefix + "-s";
    private final List<String> created = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        PacketEngine.ensureAvailability();
        EndToEndHarness h = new EndToEndHarness();
        try {
            h.build();
            h.run(seconds);
        } finally {
            h.close();
        }
    }

    private void build() throws IOException {
        for (String ns : List.of(bridge, client, balancer, server)) {
            sh("ip", "netns", "add", ns);
            created.add(ns);
            sh("ip", "-n", ns, "link", "set", "lo", "up");
        }
        sh("ip", "-n", bridge, "link", "add", "br0", "type", "bridge");
        sh("ip", "-n", bridge, "link", "set", "br0", "up");
        for (String[] h : new String[][]{{client, "vc"}, {balancer, "vb"}, {server, "vs"}}) {
            sh("ip", "link", "add", "eth0", "netns", h[0], "type", "veth", "peer", "name", h[1], "netns", bridge);
            sh("ip", "-n", bridge, "link", "set", h[1], "master", "br0");
            sh("ip", "-n", bridge, "link", "set", h[1], "up");
            sh("ip", "-n", h[0], "link", "set", "eth0", "up");
            // Frames at wire size for every contender: the engine cannot forward GSO super-frames.
            sh("ip", "netns", "exec", h[0], "ethtool", "-K", "eth0", "tso", "off", "gso", "off", "gro", "off");
        }
        sh("ip", "-n", client, "addr", "add", CLIENT + "/24", "dev", "eth0");
        sh("ip", "-n", balancer, "addr", "add", BALANCER + "/24", "dev", "eth0");
        sh("ip", "-n", server, "addr", "add", SERVER + "/24", "dev", "eth0");
        sh("ip", "-n", server, "addr", "add", VIP + "/32", "dev", "lo");
        sh("ip", "netns", "exec", server, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1",
                "net.ipv4.conf.all.arp_announce=2");
        processes.add(new ProcessBuilder("ip", "netns", "exec", server, "iperf3", "-s", "-1", "-B", VIP)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    private String mac(String namespace) throws IOException {
        String out = sh("ip", "-n", namespace, "-o", "link", "show", "eth0");
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(out);
        if (!m.find()) {
            throw new IOException("no MAC in: " + out);
        }
        return m.group(1);
    }

    private void run(int seconds) throws Exception {
        String lbMac = mac(balancer);
        String serverMac = mac(server);
        List<String> report = new ArrayList<>();

        // 1. No balancer: the client's VIP neighbour entry points at the server itself.
        sh("ip", "-n", client, "neigh", "replace", VIP, "lladdr", serverMac, "dev", "eth0");
        report.add(measure("direct (no balancer)", seconds));

        // 2. The kernel: nftables netdev ingress, both MACs set, fwd back out of eth0.
        sh("ip", "-n", client, "neigh", "replace", VIP, "lladdr", lbMac, "dev", "eth0");
        sh("ip", "netns", "exec", balancer, "nft", "add", "table", "netdev", "lb4jbench");
        sh("ip", "netns", "exec", balancer, "nft", "add", "chain", "netdev", "lb4jbench", "in",
                "{ type filter hook ingress device eth0 priority 0; policy accept; }");
        sh("ip", "netns", "exec", balancer, "nft", "add", "rule", "netdev", "lb4jbench", "in", "ip", "daddr", VIP,
                "ether", "saddr", "set", lbMac, "ether", "daddr", "set", serverMac, "fwd", "to", "eth0");
        report.add(measure("kernel (nftables netdev fwd)", seconds));
        sh("ip", "netns", "exec", balancer, "nft", "delete", "table", "netdev", "lb4jbench");

        // 3. lb4j: the engine opened from a thread inside the balancer's namespace.
        LoadBalancer lb = startEngine();
        try {
            report.add(measure("lb4j PacketEngine", seconds));
        } finally {
            lb.stop(Duration.ZERO);
        }
        System.out.println();
        report.forEach(System.out::println);
    }

    private LoadBalancer startEngine() throws Exception {
        CompletableFuture<LoadBalancer> started = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("lb4j-in-" + balancer).start(() -> {
            try {
                int fd = Libc.open("/var/run/netns/" + balancer, Libc.O_RDONLY | Libc.O_CLOEXEC, "open(netns)");
                try {
                    Libc.setns(fd, Libc.CLONE_NEWNET, "setns(" + balancer + ")");
                } finally {
                    Libc.close(fd, "close(netns)");
                }
                Link.of("eth0"); // fails here, clearly, if the namespace switch did not happen
                VirtualService tcp = VirtualService.directRouting().label("iperf-tcp").address(VIP).ports(5201)
                        .real("server", SERVER).healthCheck(HealthCheck.none()).build();
                VirtualService udp = VirtualService.directRouting().label("iperf-udp").address(VIP).ports(5201)
                        .protocol(Protocol.UDP).real("server", SERVER).healthCheck(HealthCheck.none()).build();
                LoadBalancer lb = LoadBalancer.builder().engine(PacketEngine.on("eth0")).service(tcp).service(udp)
                        .build();
                lb.start(); // the engine's socket and thread are created from this thread: in its namespace
                started.complete(lb);
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        });
        t.join();
        return started.get(10, TimeUnit.SECONDS);
    }

    private String measure(String who, int seconds) throws Exception {
        // Bulk TCP first, then 64-byte UDP payloads at an unlimited rate; the server's received rate counts.
        String tcp = sh("ip", "netns", "exec", client, "iperf3", "-c", VIP, "-t", Integer.toString(seconds), "-J");
        restartServer();
        String udp = sh("ip", "netns", "exec", client, "iperf3", "-c", VIP, "-u", "-b", "0", "-l", "64", "-t",
                Integer.toString(seconds), "-J");
        restartServer();
        double gbit = last(tcp, "\"sum_received\"[^}]*?\"bits_per_second\":\\s*([0-9.e+]+)") / 1e9;
        double packets = last(udp, "\"sum\"[^}]*?\"packets\":\\s*([0-9]+)");
        double lost = last(udp, "\"sum\"[^}]*?\"lost_packets\":\\s*([0-9]+)");
        double pps = (packets - lost) / seconds;
        if (Double.isNaN(pps) || Double.isNaN(gbit)) {
            System.err.println(who + ": cannot read iperf3's result:\n" + tcp + "\n" + udp);
        }
        return String.format(Locale.ROOT, "%-30s TCP bulk %6.2f Gbit/s   UDP 64 B %9.0f packets/s received", who,
                gbit, pps);
    }

    private void restartServer() throws IOException {
        // iperf3 -s -1 serves one test and exits; start the next one. Bound to the VIP: a UDP reply must come from
        // the address the client sent to, which a wildcard-bound server (replying from its own address) would not.
        processes.add(new ProcessBuilder("ip", "netns", "exec", server, "iperf3", "-s", "-1", "-B", VIP)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!sh("ip", "netns", "exec", server, "ss", "-ltn").contains(":5201")) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("iperf3 server did not start");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static double last(String json, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(json);
        double v = Double.NaN;
        while (m.find()) {
            v = Double.parseDouble(m.group(1));
        }
        return v;
    }

    private void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                sh("ip", "netns", "del", created.get(i));
            } catch (IOException e) {
                System.err.println("could not delete " + created.get(i) + ": " + e.getMessage());
            }
        }
    }

    private static String sh(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + ": " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }
}
