package io.lb4j.benchmarks.healthcheck;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Prints the comparison from the runs' result files: one row per run, then lb4j CPU / HAProxy CPU per check (and as
 * shares of a core) for runs with the same nominal check rate (targets / interval), and the goal verdict at
 * 10,000 checks/s, on CPU per check.
 */
final class ResultTable {

    static void main(String[] args) throws IOException {
        List<Properties> rows = new ArrayList<>();
        for (String a : args) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(Path.of(a))) {
                p.load(r);
            }
            rows.add(p);
        }
        String fmt = "%-8s %8s %9s %10s %10s %9s %9s %6s %12s %12s %9s %13s%n";
        System.out.printf(Locale.ROOT, fmt, "system", "targets", "interval", "checks/s", "connects/s", "CPU s/30s",
                "CPU %core", "sys %", "late p50 ms", "late p99 ms", "failures", "timer/loop %");
        for (Properties p : rows) {
            boolean lb = "lb4j".equals(p.getProperty("system"));
            System.out.printf(Locale.ROOT, fmt, p.getProperty("system"), p.getProperty("targets"),
                    p.getProperty("intervalMs") + "ms", p.getProperty("checksPerS"), p.getProperty("connectsPerS"),
                    p.getProperty("cpuPerWindowS"), p.getProperty("cpuPct"), p.getProperty("sysPct"),
                    lb ? p.getProperty("latenessP50Ms") : "-", lb ? p.getProperty("latenessP99Ms") : "-",
                    lb ? p.getProperty("failures") : "-",
                    lb ? p.getProperty("cpuTimerThreadPct") + "/" + p.getProperty("cpuLoopThreadPct") : "-");
        }
        System.out.println();
        for (Properties l : rows) {
            if (!"lb4j".equals(l.getProperty("system"))) {
                continue;
            }
            for (Properties h : rows) {
                if (!"haproxy".equals(h.getProperty("system")) || nominal(h) != nominal(l)) {
                    continue;
                }
                // The measure is CPU per check: HAProxy falls short of the nominal rate on this machine
                // (its checks/s column), and a share of a core would then count lb4j's extra checks against it.
                double ratio = usPerCheck(l) / usPerCheck(h);
                System.out.printf(Locale.ROOT,
                        "ratio at %,d checks/s: lb4j %s targets @ %sms / HAProxy %s servers @ %sms = %.2f CPU per check"
                                + " (%.1f us vs %.1f us); %.2f of a core (%.2f%% vs %.2f%%, at %,.0f vs %,.0f"
                                + " checks/s)%n",
                        (long) nominal(l), l.getProperty("targets"), l.getProperty("intervalMs"),
                        h.getProperty("targets"), h.getProperty("intervalMs"), ratio, usPerCheck(l), usPerCheck(h),
                        d(l, "cpuPct") / d(h, "cpuPct"), d(l, "cpuPct"), d(h, "cpuPct"), d(l, "checksPerS"),
                        d(h, "checksPerS"));
                if (nominal(l) == 10_000) {
                    boolean rate = d(l, "checksPerS") >= 0.99 * 10_000;
                    boolean late = d(l, "latenessP99Ms") < 50;
                    boolean cpu = ratio <= 1.0;
                    System.out.printf(Locale.ROOT,
                            "goal (10,000 checks/s, p99 lateness < 50 ms, CPU per check <= 1.0x): rate %s, p99 %s,"
                                    + " CPU %s -> %s%n", ok(rate), ok(late), ok(cpu),
                            rate && late && cpu ? "MET" : "MISSED");
                }
            }
        }
    }

    private static String ok(boolean b) {
        return b ? "ok" : "MISS";
    }

    private static double nominal(Properties p) {
        return Math.round(d(p, "targets") * 1000.0 / d(p, "intervalMs"));
    }

    private static double usPerCheck(Properties p) {
        return d(p, "cpuPct") / 100.0 * 1e6 / d(p, "checksPerS");
    }

    private static double d(Properties p, String k) {
        return Double.parseDouble(p.getProperty(k));
    }

    private ResultTable() {
    }
}
