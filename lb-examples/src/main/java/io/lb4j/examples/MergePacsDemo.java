package io.lb4j.examples;

import io.lb4j.appliance.StatusText;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.api.status.ServiceStatus;
import io.lb4j.engine.proxy.ProxyEngine;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The MergePACS failover demo on the proxy engine, with no root: a VIP on 127.0.0.1 listening on the seven PACS
 * ports (shifted by {@code --port-offset}, default {@value #DEFAULT_PORT_OFFSET}, because ports below 1024 are
 * privileged), a primary cluster on 127.0.0.2 and a secondary on 127.0.0.3 that really speak HTTP, DICOM C-ECHO,
 * HL7 over MLLP and a line protocol, and clients going through the VIP every second. The primary is killed, the
 * connect health check fails it over to the secondary, the primary comes back and the service fails back; a live
 * table shows where every client landed, and the timings are printed at the end.
 *
 * <p>The health check is the seed's "connect to all 7 ports", scaled from 30 s x 10 failures (5 minutes) to 1 s x 3
 * so the whole demo takes about 15 s. Run it with {@code java -jar lb4j-appliance.jar demo}, or from the repository
 * root with {@code mvn -B -q -Pdemo -DskipTests -pl lb-examples -am verify}. Linux routes all of 127.0.0.0/8 to the
 * loopback interface; other systems need 127.0.0.2 and 127.0.0.3 added as loopback aliases.
 */
public final class MergePacsDemo {

    /** Added to every PACS port: 104 becomes 10104. */
    public static final int DEFAULT_PORT_OFFSET = 10_000;

    private static final String VIP = "127.0.0.1";
    private static final String PRIMARY = "127.0.0.2";
    private static final String SECONDARY = "127.0.0.3";
    private static final String PRIMARY_NAME = "PrimaryCluster";
    private static final String SECONDARY_NAME = "SecondaryCluster";
    private static final Map<Integer, DemoCluster.Kind> PACS_PORTS = pacsPorts();

    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration CLIENT_TIMEOUT = Duration.ofMillis(1500);
    private static final long KILL_AT_TICK = 4;
    private static final long HOLD_AFTER_FAILOVER_TICKS = 3;
    private static final long TICKS_AFTER_FAILBACK = 2;
    private static final long MAX_TICKS = 40;

    private final PrintStream out;
    private final int offset;
    private final long startNanos = System.nanoTime();
    // Written by the balancer's event thread, read by the demo loop.
    private volatile double downAt = -1;
    private volatile double failedOverAt = -1;
    private volatile double failedBackAt = -1;

    private MergePacsDemo(PrintStream out, int offset) {
        this.out = out;
        this.offset = offset;
    }

    private static Map<Integer, DemoCluster.Kind> pacsPorts() {
        Map<Integer, DemoCluster.Kind> m = new LinkedHashMap<>();
        m.put(104, DemoCluster.Kind.DICOM);
        m.put(80, DemoCluster.Kind.HTTP);
        m.put(8080, DemoCluster.Kind.HTTP);
        m.put(443, DemoCluster.Kind.HTTP);
        m.put(8443, DemoCluster.Kind.HTTP);
        m.put(5222, DemoCluster.Kind.ECHO);
        m.put(1001, DemoCluster.Kind.HL7);
        return m;
    }

    /** Runs the demo; exits with status 0 when failover and fail-back were both seen, 1 otherwise, 2 for bad usage. */
    public static void main(String[] args) {
        int status = run(args, System.out);
        System.exit(status);
    }

    /** Runs the demo, printing to {@code out}; returns the exit status {@link #main} would use. */
    static int run(String[] args, PrintStream out) {
        int offset = DEFAULT_PORT_OFFSET;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port-offset") && i + 1 < args.length) {
                try {
                    offset = Integer.parseInt(args[++i]);
                } catch (NumberFormatException e) {
                    offset = -1;
                }
                if (offset < 0 || offset + 8443 > 65535) {
                    System.err.println("demo: --port-offset " + args[i] + " (expected: 0-" + (65535 - 8443) + ")");
                    return 2;
                }
            } else {
                System.err.println("demo: unknown argument \"" + args[i] + "\" (expected: --port-offset N)");
                return 2;
            }
        }
        // The engine's start-up lines would break up the table; warnings still show.
        if (System.getProperty("lb4j.log.level") == null) {
            // The appliance's logback.xml reads it (its root level) when the first logger is made.
            System.setProperty("lb4j.log.level", "warn");
        }
        try {
            return new MergePacsDemo(out, offset).run();
        } catch (IOException e) {
            out.println("demo: " + e.getMessage());
            return 1;
        }
    }

    private int port(int pacsPort) {
        return pacsPort + offset;
    }

    private Map<Integer, DemoCluster.Kind> shifted() {
        Map<Integer, DemoCluster.Kind> m = new LinkedHashMap<>();
        PACS_PORTS.forEach((p, k) -> m.put(port(p), k));
        return m;
    }

    private int run() throws IOException {
        int[] ports = PACS_PORTS.keySet().stream().mapToInt(this::port).toArray();
        VirtualService pacs = VirtualService.proxy()
                .label("PACS")
                .address(VIP)
                .ports(ports)
                .real(PRIMARY_NAME, PRIMARY, r -> r.weight(100))
                .fallback(SECONDARY, f -> f.port(0).masquerade(true))
                .healthCheck(HealthCheck.connect().allPorts()
                        .interval(Duration.ofSeconds(1)).timeout(Duration.ofMillis(500)).failAfter(3).riseAfter(1))
                .build();

        out.println("lb4j MergePACS demo: proxy engine, loopback only, no root");
        out.printf("  VIP %s ports %s (PACS ports 104, 80, 8080, 443, 8443, 5222, 1001 + offset %d)%n", VIP,
                pacs.ports(), offset);
        out.printf("  primary cluster %s, secondary (fallback) %s: HTTP, DICOM C-ECHO, HL7/MLLP, line echo%n",
                PRIMARY, SECONDARY);
        out.println("  health check: connect to all 7 ports every 1 s, 3 failures in a row = down");
        out.println("  (the seed uses every 30 s, 10 failures = 5 minutes; the demo scales it to seconds)");
        out.println();

        try (DemoCluster primary = new DemoCluster(PRIMARY_NAME, InetAddress.ofLiteral(PRIMARY), shifted());
             DemoCluster secondary = new DemoCluster(SECONDARY_NAME, InetAddress.ofLiteral(SECONDARY), shifted());
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
             DemoClient.Session session = new DemoClient.Session(new InetSocketAddress(VIP, port(5222)), CLIENT_TIMEOUT)) {
            primary.start();
            secondary.start();
            LoadBalancer lb = LoadBalancer.builder()
                    .engine(ProxyEngine.builder().ioThreads(1).connectTimeout(Duration.ofSeconds(1)).build())
                    .service(pacs)
                    .build();
            lb.events().subscribe(e -> {
                double t = now();
                switch (e) {
                    case RealServerDown _ -> downAt = downAt < 0 ? t : downAt;
                    case FailedOver _ -> failedOverAt = failedOverAt < 0 ? t : failedOverAt;
                    case FailedBack _ -> failedBackAt = failedBackAt < 0 ? t : failedBackAt;
                    default -> { }
                }
                print(String.format("%+7.1fs  EVENT  %s", t, StatusText.describe(e)));
            });
            try {
                lb.start();
            } catch (RuntimeException e) {
                out.println("demo: cannot start the balancer: " + e.getMessage()
                        + " (another program on these ports? try --port-offset)");
                return 1;
            }
            try {
                return loop(lb, primary, clients, session);
            } finally {
                lb.stop(Duration.ofSeconds(1));
            }
        }
    }

    private int loop(LoadBalancer lb, DemoCluster primary, ExecutorService clients, DemoClient.Session session) {
        double killedAt = -1;
        double revivedAt = -1;
        double firstOnSecondary = -1;
        double firstBackOnPrimary = -1;
        long reviveTick = -1;
        long endTick = -1;
        header();
        for (long tick = 0; tick < MAX_TICKS; tick++) {
            pace(tick);
            if (tick == KILL_AT_TICK) {
                primary.kill();
                killedAt = now();
                print(String.format("%+7.1fs  >>>>>  primary cluster %s KILLED: every port now refuses connections",
                        killedAt, PRIMARY));
            }
            if (reviveTick < 0 && failedOverAt >= 0 && firstOnSecondary >= 0) {
                reviveTick = tick + HOLD_AFTER_FAILOVER_TICKS;
            }
            if (tick == reviveTick) {
                try {
                    primary.start();
                } catch (IOException e) {
                    print("demo: cannot restart the primary: " + e.getMessage());
                    return 1;
                }
                revivedAt = now();
                print(String.format("%+7.1fs  >>>>>  primary cluster %s RESTARTED", revivedAt, PRIMARY));
            }
            Map<String, Integer> landed = round(clients, session);
            double t = now();
            if (killedAt >= 0 && firstOnSecondary < 0 && landed.containsKey(SECONDARY_NAME)) {
                firstOnSecondary = t;
            }
            if (revivedAt >= 0 && firstBackOnPrimary < 0 && landed.containsKey(PRIMARY_NAME)) {
                firstBackOnPrimary = t;
            }
            row(t, lb.status().service("PACS"), landed);
            if (endTick < 0 && failedBackAt >= 0 && firstBackOnPrimary >= 0) {
                endTick = tick + TICKS_AFTER_FAILBACK;
            }
            if (tick == endTick) {
                break;
            }
        }
        out.println();
        out.print(StatusText.table(lb.status()));
        out.println();
        boolean ok = failedOverAt >= 0 && failedBackAt >= 0 && firstOnSecondary >= 0 && firstBackOnPrimary >= 0;
        out.println("Timings (health check every 1 s, down after 3 failures; the seed's 30 s x 10 would take ~5 min):");
        out.println(String.format("  primary killed at                 %+7.1fs", killedAt));
        out.println("  kill -> real server DOWN          " + since(downAt, killedAt));
        out.println("  kill -> FAILED OVER to secondary  " + since(failedOverAt, killedAt));
        out.println("  kill -> first client on secondary " + since(firstOnSecondary, killedAt)
                + "  (before the failover, the proxy retries a refused connect on the fallback)");
        out.println(String.format("  primary restarted at              %+7.1fs", revivedAt));
        out.println("  restart -> FAILED BACK            " + since(failedBackAt, revivedAt));
        out.println("  restart -> first client on primary" + since(firstBackOnPrimary, revivedAt));
        out.println("  held session reconnects           " + String.format("%7d", session.reconnects())
                + "   (it moved to the secondary when the primary died, and stays there:");
        out.println("                                              established connections are never moved back)");
        out.println(ok ? "Result: failover and fail-back OK" : "Result: FAILED: failover or fail-back not seen in time");
        out.flush();
        return ok ? 0 : 1;
    }

    /** One round: every port once, plus the held session, in parallel; counts where they landed (or failed). */
    private Map<String, Integer> round(ExecutorService clients, DemoClient.Session session) {
        List<Future<String>> visits = new ArrayList<>();
        for (Map.Entry<Integer, DemoCluster.Kind> p : PACS_PORTS.entrySet()) {
            InetSocketAddress target = new InetSocketAddress(VIP, port(p.getKey()));
            visits.add(clients.submit(() -> DemoClient.visit(p.getValue(), target, CLIENT_TIMEOUT)));
        }
        visits.add(clients.submit(session::ping));
        Map<String, Integer> landed = new TreeMap<>();
        for (Future<String> f : visits) {
            String where;
            try {
                where = f.get(CLIENT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                where = "failed";
            }
            landed.merge(where, 1, Integer::sum);
        }
        return landed;
    }

    private void header() {
        print(String.format("%8s  %-13s %-26s %-18s  %s", "", "", "real server " + PRIMARY_NAME,
                "fallback", "clients this round"));
        print(String.format("%8s  %-13s %-8s %7s %9s  %-9s %7s   %s", "time", "routing", "state", "active", "total",
                "state", "active", "(7 ports + 1 held session): where they landed"));
    }

    private void row(double t, ServiceStatus s, Map<String, Integer> landed) {
        RealServerStatus r = s.realServer(PRIMARY_NAME);
        StringBuilder where = new StringBuilder();
        landed.forEach((k, v) -> where.append(where.isEmpty() ? "" : ", ").append(v).append(" ").append(k));
        print(String.format("%+7.1fs  %-13s %-8s %7d %9d  %-9s %7d   %s", t,
                s.onFallback() ? "FALLBACK" : "real servers", r.state(), r.activeConnections(), r.totalConnections(),
                s.onFallback() ? "ACTIVE" : "standby", s.fallbackActiveConnections(), where));
    }

    /** Waits for the tick's slot: this paces the client rounds, it does not wait for any state. */
    private void pace(long tick) {
        long due = startNanos + tick * TICK.toNanos();
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private double now() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static String since(double event, double origin) {
        return event < 0 || origin < 0 ? "   not seen" : String.format("%+7.1fs", event - origin);
    }

    private synchronized void print(String line) {
        out.println(line);
        out.flush();
    }
}
