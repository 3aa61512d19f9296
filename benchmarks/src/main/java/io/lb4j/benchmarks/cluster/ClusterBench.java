package io.lb4j.benchmarks.cluster;

import io.lb4j.benchmarks.ProcStat;
import io.lb4j.benchmarks.ha.OutageProbe;
import io.lb4j.testsupport.net.TestServerMain;
import io.lb4j.testsupport.net.TransferClient;
import io.lb4j.testsupport.netns.Bird;
import io.lb4j.testsupport.netns.ClusterLab;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The active-active benchmark behind {@code benchmarks/active-active.sh}: in a namespace lab (a router running BIRD
 * with ECMP over the nodes that announce the VIP, up to three lb4j appliance nodes with the packet engine and direct
 * routing, each with its own BIRD and BFD, two real servers, one client host standing for 40 clients), it measures
 *
 * <ul>
 *   <li>aggregate throughput with 1, 2 and 3 nodes announcing: 20 concurrent uploads (the modalities' direction,
 *       which crosses the balancers) and 20 concurrent downloads (replies bypass the balancers), each checked by
 *       SHA-256;</li>
 *   <li>what a client sees when one of three nodes dies under 20 running downloads, twice: only the balancer's JVM
 *       (SIGKILL; its BIRD runs on and withdraws the routes through the lifeline), then the whole machine (its link
 *       goes down, so no FIN of its BGP session reaches the router, and its JVM and BIRD are SIGKILLed: BFD). Measured:
 *       a TCP connect every 10 ms ({@link OutageProbe}, the probe of the HA pair's benchmark: how long after the death
 *       connects still failed, and how many), the longest time an established download stood still, and when the
 *       router's table (polled with {@code ip route}, a few ms per look) lost the node's path.</li>
 * </ul>
 *
 * <p>Arguments: {@code applianceJar [transfers MiB]} (default 20 transfers of 128 MiB). Root, Debian's {@code bird2}.
 * Everything it starts runs in the lab's namespaces, which it deletes on exit, also on failure.
 */
public final class ClusterBench {

    private static final String VIP = ClusterLab.VIP;
    private static final int PORT = 7000;
    private static final List<String> NODES = ClusterLab.NODES;
    private static final int CLIENTS = 40;
    private static final Duration LIMIT = Duration.ofSeconds(120);
    private static final long MIB = 1024 * 1024;
    /** Bulk ends need the optimizing compiler, which the lab's JVMs leave out by default. */
    private static final String C2 = "-XX:TieredStopAtLevel=4";

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ClusterBench applianceJar [transfers MiB]");
            System.exit(2);
        }
        Path jar = Path.of(args[0]).toAbsolutePath();
        int transfers = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long mib = args.length > 2 ? Long.parseLong(args[2]) : 128;
        Optional<String> why = NetnsLab.unavailable("bird", "birdc");
        if (why.isPresent()) {
            System.err.println("ClusterBench: " + why.get());
            System.exit(1);
        }
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        log("load average at the start: %.2f", os.getSystemLoadAverage());
        long started = System.nanoTime();
        List<String> rows = new ArrayList<>();
        try (NetnsLab lab = ClusterLab.build("lb4jcb")) {
            ClusterLab.startRouter(lab);
            for (String r : List.of("r1", "r2")) {
                ChildProcess server = lab.host(r).startJava(List.of("-Xmx128m", C2), TestServerMain.class,
                        r.toUpperCase(), "digest:" + PORT);
                if (server.await(0, "READY"::equals, LIMIT).isEmpty()) {
                    throw new IllegalStateException(r + " did not start:\n" + server.text());
                }
            }
            ClusterLab.addClients(lab, CLIENTS);
            Map<String, ChildProcess> nodes = new LinkedHashMap<>();
            Map<String, Bird> birds = new LinkedHashMap<>();
            for (int n = 1; n <= NODES.size(); n++) {
                String name = NODES.get(n - 1);
                birds.put(name, startNode(lab, jar, name, nodes));
                ClusterLab.awaitNextHops(lab, NODES.subList(0, n), LIMIT);
                for (String mode : List.of("upload", "download")) {
                    long cpuBefore = cpuMillis(nodes.values());
                    double mbs = throughput(lab, transfers, mib, mode, n);
                    double cpuPerGb = (cpuMillis(nodes.values()) - cpuBefore) / (transfers * mib * MIB / 1e9);
                    rows.add(String.format(Locale.ROOT, "| %d | %s | %d x %d MiB | %.0f MB/s | %.0f ms |", n, mode,
                            transfers, mib, mbs, cpuPerGb));
                    log("%d node(s), %s: %.0f MB/s, the nodes' CPU %.0f ms per GB (load average %.2f)", n, mode, mbs,
                            cpuPerGb, os.getSystemLoadAverage());
                }
            }

            // One of three dies under load: first only its balancer's JVM (its BIRD runs on, the lifeline withdraws
            // the routes), then, with the JVM back, the whole machine (cable gone, JVM and BIRD killed: BFD).
            List<String> deaths = new ArrayList<>();
            String pairComparable = "?";
            for (String kind : List.of("jvm", "machine")) {
                ChildProcess load = lab.host("client").startJava(List.of("-Xmx256m", C2), TransferClient.class, VIP,
                        Integer.toString(PORT), Integer.toString(transfers), Long.toString(4 * mib * MIB), "9", "600",
                        Long.toString(8 * MIB), ClusterLab.clients(CLIENTS));
                expect(load, "UNDERWAY");
                ChildProcess probe = lab.host("client").startJava(List.of("-Xmx64m"), OutageProbe.class, VIP,
                        Integer.toString(PORT));
                expect(probe, "UP");
                int from = probe.size();
                probe.write("mark");
                probe.await(from, l -> l.startsWith("MARKED"), LIMIT).orElseThrow();
                long killed = System.nanoTime();
                if (kind.equals("machine")) {
                    lab.host("c").link(false);
                    nodes.get("c").kill();
                    birds.get("c").process().kill();
                } else {
                    nodes.get("c").kill();
                }
                ClusterLab.awaitNextHops(lab, NODES.subList(0, 2), LIMIT);
                long pathGone = (System.nanoTime() - killed) / 1_000_000;
                from = probe.size();
                probe.write("settle");
                String result = probe.await(from, l -> l.startsWith("RESULT"), LIMIT).map(ChildProcess.Line::text)
                        .orElseThrow(() -> new IllegalStateException("probe: " + probe.text()));
                String end = load.await(0, l -> l.startsWith("OK ") || l.startsWith("FAIL "),
                        Duration.ofSeconds(600)).map(ChildProcess.Line::text).orElse("none");
                String stall = load.lines().stream().map(ChildProcess.Line::text)
                        .filter(l -> l.startsWith("LONGEST_STALL")).findFirst().orElse("LONGEST_STALL ? ms");
                deaths.add(String.format(Locale.ROOT, "| %s | %d ms | %s ms | %s | %s ms | %s | %s |",
                        kind.equals("jvm") ? "the balancer's JVM (SIGKILL; BIRD runs on)"
                                : "the machine (link down, SIGKILL of JVM and BIRD)",
                        pathGone, field(result, "last_failed_after_mark_ms"), failedAfterMark(result),
                        field(result, "gap_ms"), stall.substring("LONGEST_STALL ".length()),
                        end.startsWith("OK ") ? "all" : end));
                log("%s death: %s (load average %.2f)", kind, result, os.getSystemLoadAverage());
                if (kind.equals("machine")) {
                    pairComparable = field(result, "last_failed_after_mark_ms");
                } else {
                    // The JVM comes back on the same machine, beside the BIRD that ran on.
                    nodes.put("c", startAppliance(lab, jar, "c"));
                    ClusterLab.awaitNextHops(lab, NODES, LIMIT);
                }
            }
            System.out.println();
            System.out.println("| nodes | direction | transfers | aggregate | the nodes' CPU per GB moved |");
            System.out.println("| ---: | --- | --- | ---: | ---: |");
            rows.forEach(System.out::println);
            System.out.println();
            System.out.println("One of three nodes dies under " + transfers + " downloads of " + 4 * mib
                    + " MiB and a TCP connect to the VIP every 10 ms:");
            System.out.println();
            System.out.println("| what dies | router drops its path | last failed connect | failed connects"
                    + " | longest gap between connects | longest stand-still of a download | byte-exact |");
            System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
            deaths.forEach(System.out::println);
            System.out.printf(Locale.ROOT, "PAIR_COMPARABLE cluster_interruption_ms=%s%n", pairComparable);
            for (ChildProcess node : nodes.values()) {
                node.close();
            }
        }
        log("load average at the end: %.2f, %d s", os.getSystemLoadAverage(),
                Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    /** Starts node {@code name}: its BIRD, then the appliance from {@code jar}; returns once it announces. */
    private static Bird startNode(NetnsLab lab, Path jar, String name, Map<String, ChildProcess> nodes)
            throws IOException {
        Bird bird = ClusterLab.startBird(lab, name);
        nodes.put(name, startAppliance(lab, jar, name));
        return bird;
    }

    /** Starts the appliance of node {@code name} beside its running BIRD; returns once it announces. */
    private static ChildProcess startAppliance(NetnsLab lab, Path jar, String name) throws IOException {
        Path file = Files.writeString(lab.directory().resolve(name + ".yaml"),
                ClusterLab.nodeFile(lab, name, PORT, List.of("r1", "r2")));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ChildProcess node = lab.host(name).start("node-" + name, List.of(java, "-Dlb4j.log.level=warn",
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "--config", file.toString()));
        expect(node, "lb4j: cluster: " + VIP + " ANNOUNCED");
        return node;
    }

    /** Aggregate MB/s of {@code transfers} concurrent transfers of {@code mib} MiB from the 40 client addresses. */
    private static double throughput(NetnsLab lab, int transfers, long mib, String mode, int nodes) {
        ChildProcess client = lab.host("client").startJava(List.of("-Xmx256m", C2), TransferClient.class, VIP,
                Integer.toString(PORT), Integer.toString(transfers), Long.toString(mib * MIB), Integer.toString(nodes),
                "600", "0", ClusterLab.clients(CLIENTS), mode);
        String end = client.await(0, l -> l.startsWith("OK ") || l.startsWith("FAIL "), Duration.ofSeconds(600))
                .map(ChildProcess.Line::text).orElse("none");
        Matcher m = Pattern.compile("^OK \\S+ \\d+ (\\d+) (\\d+)ms$").matcher(end);
        if (!m.find()) {
            throw new IllegalStateException(mode + " with " + nodes + " node(s): " + client.text());
        }
        return Long.parseLong(m.group(1)) / 1e6 / (Long.parseLong(m.group(2)) / 1e3);
    }

    private static void expect(ChildProcess p, String line) {
        if (p.await(0, l -> l.contains(line), LIMIT).isEmpty()) {
            throw new IllegalStateException(p.name() + " did not say \"" + line + "\":\n" + p.text());
        }
    }

    /** User and system CPU time of the processes so far, in milliseconds. */
    private static long cpuMillis(Collection<ChildProcess> processes) throws IOException {
        long ticks = 0;
        for (ChildProcess p : processes) {
            ticks += ProcStat.cpuTicks(p.pid());
        }
        return ticks * 1000 / ProcStat.TICKS_PER_SECOND;
    }

    private static String field(String result, String key) {
        Matcher m = Pattern.compile("\\b" + key + "=(\\S+)").matcher(result);
        return m.find() ? m.group(1) : "?";
    }

    private static String failedAfterMark(String result) {
        long failed = 0;
        for (String k : List.of("after_mark_timeout", "after_mark_refused", "after_mark_other")) {
            String v = field(result, k);
            failed += v.equals("?") ? 0 : Long.parseLong(v);
        }
        return failed + "/" + field(result, "attempts_after_mark");
    }

    private static void log(String format, Object... args) {
        System.err.println("# " + String.format(Locale.ROOT, format, args));
    }
}
