package io.lb4j.benchmarks.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.linux.Libc;
import io.lb4j.linux.Link;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.testsupport.netns.Host;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.Command;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
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
 * Root only; needs iproute2, ethtool, nftables and iperf3. Builds its hosts (client, balancer, server) with
 * lb-test-support's {@link NetnsLab} ({@code lb4jb-XXXXXX-*}) and removes them at the end, also on failure; no packet
 * leaves them.
 */
public final class EndToEndHarness {

    static final String VIP = "10.214.0.100";
    static final String CLIENT = "10.214.0.10";
    static final String BALANCER = "10.214.0.2";
    static final String SERVER = "10.214.0.110";

    private final Host client;
    private final Host balancer;
    private final Host server;

    private EndToEndHarness(NetnsLab lab) {
        client = lab.host("client");
        balancer = lab.host("balancer");
        server = lab.host("server");
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        PacketEngine.ensureAvailability();
        NetnsLab.unavailable("ethtool", "nft", "iperf3", "ss").ifPresent(why -> {
            throw new IllegalStateException(why);
        });
        try (NetnsLab lab = NetnsLab.builder("lb4jb")
                .host("client", CLIENT + "/24")
                .host("balancer", BALANCER + "/24")
                .host("server", SERVER + "/24", h -> h.vip(VIP))
                .offloads(false) // frames at wire size for every contender: the engine cannot forward GSO super-frames
                .build()) {
            EndToEndHarness h = new EndToEndHarness(lab);
            h.startServer();
            h.run(seconds);
        }
    }

    private void run(int seconds) throws Exception {
        String lbMac = balancer.mac();
        String serverMac = server.mac();
        List<String> report = new ArrayList<>();

        // 1. No balancer: the client's VIP neighbour entry points at the server itself.
        client.run("ip", "neigh", "replace", VIP, "lladdr", serverMac, "dev", "eth0");
        report.add(measure("direct (no balancer)", seconds));

        // 2. The kernel: nftables netdev ingress, both MACs set, fwd back out of eth0.
        client.run("ip", "neigh", "replace", VIP, "lladdr", lbMac, "dev", "eth0");
        balancer.run("nft", "add", "table", "netdev", "lb4jbench");
        balancer.run("nft", "add", "chain", "netdev", "lb4jbench", "in",
                "{ type filter hook ingress device eth0 priority 0; policy accept; }");
        balancer.run("nft", "add", "rule", "netdev", "lb4jbench", "in", "ip", "daddr", VIP,
                "ether", "saddr", "set", lbMac, "ether", "daddr", "set", serverMac, "fwd", "to", "eth0");
        report.add(measure("kernel (nftables netdev fwd)", seconds));
        balancer.run("nft", "delete", "table", "netdev", "lb4jbench");

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
        Thread t = Thread.ofPlatform().name("lb4j-in-" + balancer.namespace()).start(() -> {
            try {
                int fd = Libc.open(balancer.namespacePath().toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, "open(netns)");
                try {
                    Libc.setns(fd, Libc.CLONE_NEWNET, "setns(" + balancer.namespace() + ")");
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

    private String measure(String who, int seconds) {
        // Bulk TCP first, then 64-byte UDP payloads at an unlimited rate; the server's received rate counts.
        Duration limit = Duration.ofSeconds(seconds + 60L);
        String tcp = Command.run(client.command("iperf3", "-c", VIP, "-t", Integer.toString(seconds), "-J"), limit);
        startServer();
        String udp = Command.run(client.command("iperf3", "-c", VIP, "-u", "-b", "0", "-l", "64", "-t",
                Integer.toString(seconds), "-J"), limit);
        startServer();
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

    private void startServer() {
        // iperf3 -s -1 serves one test and exits; start the next one. Bound to the VIP: a UDP reply must come from
        // the address the client sent to, which a wildcard-bound server (replying from its own address) would not.
        server.start("iperf3", "-s", "-1", "-B", VIP);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!server.run("ss", "-ltn").contains(":5201")) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("iperf3 server did not start");
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
}
