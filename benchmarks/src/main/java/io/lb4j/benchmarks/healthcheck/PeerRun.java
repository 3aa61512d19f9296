package io.lb4j.benchmarks.healthcheck;

import io.lb4j.benchmarks.ProcStat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Measures a running peer checker (HAProxy) from outside: CPU from {@code /proc/<pid>/stat} (utime + stime, all
 * threads) over the window; checks/s from the namespace's TCP ActiveOpens (see {@link TcpCounters}); the listeners'
 * accept count is recorded too (zero for HAProxy, which resets before the handshake completes).
 */
final class PeerRun {

    static void main(String[] args) throws Exception {
        long pid = Long.parseLong(Options.get(args, "--pid", "-1"));
        String system = Options.get(args, "--system", "haproxy");
        int targets = Integer.parseInt(Options.get(args, "--targets", "1000"));
        long intervalMs = Long.parseLong(Options.get(args, "--interval-ms", "100"));
        int controlPort = Integer.parseInt(Options.get(args, "--control-port", "29999"));
        int warmupS = Integer.parseInt(Options.get(args, "--warmup-s", "5"));
        int windowS = Integer.parseInt(Options.get(args, "--window-s", "30"));
        long clkTck = Long.parseLong(Options.get(args, "--clk-tck", "100"));
        Path out = Path.of(Options.get(args, "--out", system + "-" + targets + ".properties"));

        Thread.sleep(warmupS * 1000L);
        long[] acc0 = LoopbackListeners.query(controlPort);
        long opens0 = TcpCounters.activeOpens("" + pid);
        long ticks0 = ProcStat.cpuTicks(pid);
        long sys0 = ProcStat.sysTicks(pid);
        long t0 = System.nanoTime();
        Thread.sleep(windowS * 1000L);
        long t1 = System.nanoTime();
        long ticks1 = ProcStat.cpuTicks(pid);
        long sys1 = ProcStat.sysTicks(pid);
        long opens1 = TcpCounters.activeOpens("" + pid);
        long[] acc1 = LoopbackListeners.query(controlPort);

        double seconds = (t1 - t0) / 1e9;
        double cpuS = (ticks1 - ticks0) / (double) clkTck;
        double accepts = (acc1[0] - acc0[0]) / ((acc1[1] - acc0[1]) / 1e9);
        Map<String, String> r = new LinkedHashMap<>();
        r.put("system", system);
        r.put("targets", "" + targets);
        r.put("intervalMs", "" + intervalMs);
        r.put("windowS", Lb4jCheckRun.fmt(seconds));
        // Connects started by the namespace (the benchmark's own), minus our one control connection in the window.
        double connects = (opens1 - opens0 - 1) / seconds;
        r.put("checksPerS", Lb4jCheckRun.fmt(connects));
        r.put("connectsPerS", Lb4jCheckRun.fmt(connects));
        r.put("acceptsPerS", Lb4jCheckRun.fmt(accepts));
        r.put("cpuS", Lb4jCheckRun.fmt(cpuS));
        r.put("cpuPerWindowS", Lb4jCheckRun.fmt(cpuS * 30.0 / seconds));
        r.put("cpuPct", Lb4jCheckRun.fmt(100.0 * cpuS / seconds));
        r.put("sysPct", Lb4jCheckRun.fmt(100.0 * (sys1 - sys0) / clkTck / seconds));
        StringBuilder sb = new StringBuilder();
        r.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(out, sb.toString());
        System.out.print(sb);
    }

    private PeerRun() {
    }
}
