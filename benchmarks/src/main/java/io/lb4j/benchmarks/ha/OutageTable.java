package io.lb4j.benchmarks.ha;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the per-run results of {@code benchmarks/ha-outage-vs-keepalived.sh} into its markdown table: per advert
 * interval and stop kind, the median and maximum client-visible outage of keepalived and of lb4j, and the ratio of
 * the medians (lb4j / keepalived; the goal is at most 1.0).
 *
 * <p>Input: one line per run, {@code advertMillis stop system repetition gapMillis [takeoverMillis garpMillis
 * firstConnectMillis signalToPriorityZeroMillis phaseMillis]}, {@code stop} being {@code sigkill} or {@code graceful},
 * {@code system} {@code keepalived} or {@code lb4j}; a gap below 0 is a failed run and a wire timing of NaN was not
 * seen: both reported, not averaged. Rows appear in the order of their first run. When the optional wire timings
 * (from the client's packet capture) are present, a second table gives their medians per system: where the outage
 * went.
 *
 * <p>The RFC 5798 column is what VRRP alone predicts for the backup (priority 100) taking over: after a SIGKILL,
 * Master_Down_Interval after the last advert it heard, so between Master_Down_Interval minus one interval and
 * Master_Down_Interval after the kill; after a graceful stop, Skew_Time after the priority-0 advert.
 *
 * <p>Arguments: {@code resultsFile backupPriority}.
 */
public final class OutageTable {

    private OutageTable() {
    }

    private record Key(int advertMillis, String stop) {
    }

    /** The wire timings of one run, in milliseconds, NaN when not seen. */
    private record Wire(double phase, double signalToZero, double takeover, double garp, double firstConnect) {
    }

    public static void main(String[] args) throws IOException {
        int backupPriority = Integer.parseInt(args[1]);
        Map<Key, Map<String, List<Double>>> runs = new LinkedHashMap<>();
        Map<Key, Integer> failures = new LinkedHashMap<>();
        Map<Key, Map<String, List<Wire>>> wires = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 5) {
                continue;
            }
            Key key = new Key(Integer.parseInt(f[0]), f[1]);
            double gap = Double.parseDouble(f[4]);
            Map<String, List<Double>> bySystem = runs.computeIfAbsent(key, k -> new LinkedHashMap<>());
            bySystem.computeIfAbsent("keepalived", s -> new ArrayList<>());
            bySystem.computeIfAbsent("lb4j", s -> new ArrayList<>());
            if (gap < 0) {
                failures.merge(key, 1, Integer::sum);
            } else {
                bySystem.computeIfAbsent(f[2], s -> new ArrayList<>()).add(gap);
            }
            if (f.length >= 10 && gap >= 0) {
                wires.computeIfAbsent(key, k -> new LinkedHashMap<>()).computeIfAbsent(f[2], s -> new ArrayList<>())
                        .add(new Wire(Double.parseDouble(f[9]), Double.parseDouble(f[8]), Double.parseDouble(f[5]),
                                Double.parseDouble(f[6]), Double.parseDouble(f[7])));
            }
        }
        System.out.println("| advert | stop | keepalived median (max) | lb4j median (max) | ratio lb4j/keepalived"
                + " (medians) | runs per system | RFC 5798 takeover of the backup (prio " + backupPriority + ") |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (Map.Entry<Key, Map<String, List<Double>>> e : runs.entrySet()) {
            Key k = e.getKey();
            List<Double> keepalived = e.getValue().get("keepalived");
            List<Double> lb4j = e.getValue().get("lb4j");
            String ratio = keepalived.isEmpty() || lb4j.isEmpty() ? "-"
                    : String.format(Locale.ROOT, "%.2f", median(lb4j) / median(keepalived));
            String runsText = keepalived.size() + " / " + lb4j.size()
                    + (failures.containsKey(k) ? " (" + failures.get(k) + " failed)" : "");
            System.out.println("| " + advert(k.advertMillis()) + " | " + k.stop() + " | " + cell(keepalived)
                    + " | " + cell(lb4j) + " | " + ratio + " | " + runsText + " | "
                    + rfc(k, backupPriority) + " |");
        }
        if (!wires.isEmpty()) {
            System.out.println();
            System.out.println("Where the outage went, from the client's capture (medians, ms): A was signalled this"
                    + " long after its last advert; (graceful) SIGTERM to A's priority-0 advert; takeover = A's last"
                    + " advert (SIGKILL) or its priority-0 advert (graceful) to B's first advert; then B's first"
                    + " gratuitous ARP; then the probe's first successful connect (negative: a SYN sent before the"
                    + " GARP waited for ARP).");
            System.out.println();
            System.out.println("| advert | stop | system | A signalled after its advert | SIGTERM -> priority 0"
                    + " | takeover | B advert -> GARP | GARP -> first connect |");
            System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
            for (Map.Entry<Key, Map<String, List<Wire>>> e : wires.entrySet()) {
                for (Map.Entry<String, List<Wire>> w : e.getValue().entrySet()) {
                    List<Wire> list = w.getValue();
                    System.out.println("| " + advert(e.getKey().advertMillis()) + " | " + e.getKey().stop() + " | "
                            + w.getKey() + " | " + wireCell(list.stream().map(Wire::phase).toList()) + " | "
                            + wireCell(list.stream().map(Wire::signalToZero).toList()) + " | "
                            + wireCell(list.stream().map(Wire::takeover).toList()) + " | "
                            + wireCell(list.stream().map(Wire::garp).toList()) + " | "
                            + wireCell(list.stream().map(Wire::firstConnect).toList()) + " |");
                }
            }
        }
    }

    private static String wireCell(List<Double> values) {
        List<Double> seen = values.stream().filter(v -> !v.isNaN()).toList();
        // Never seen at all is "-" (e.g. no priority-0 advert after a SIGKILL); seen in some runs only is counted.
        String missing = !seen.isEmpty() && seen.size() < values.size()
                ? " (" + (values.size() - seen.size()) + " not seen)" : "";
        return seen.isEmpty() ? "-" + missing : String.format(Locale.ROOT, "%.1f", median(seen)) + missing;
    }

    private static String advert(int millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    private static String cell(List<Double> gaps) {
        if (gaps.isEmpty()) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.0f ms (%.0f)", median(gaps),
                gaps.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String rfc(Key k, int backupPriority) {
        double interval = k.advertMillis();
        double skew = (256 - backupPriority) * interval / 256;
        double masterDown = 3 * interval + skew;
        return k.stop().equals("sigkill")
                ? String.format(Locale.ROOT, "%.0f-%.0f ms after the kill (MDI - interval .. MDI)",
                        masterDown - interval, masterDown)
                : String.format(Locale.ROOT, "%.0f ms after the priority-0 advert (Skew_Time)", skew);
    }
}
