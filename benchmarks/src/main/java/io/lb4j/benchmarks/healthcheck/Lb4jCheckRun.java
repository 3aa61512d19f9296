package io.lb4j.benchmarks.healthcheck;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.Network;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.benchmarks.ProcStat;
import io.lb4j.healthcheck.ConnectStrategy;
import io.lb4j.healthcheck.HealthMonitor;
import io.lb4j.healthcheck.net.CheckTransport;
import io.lb4j.healthcheck.net.NettyNetwork;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One lb4j run: {@code --targets} {@link HealthMonitor}s with {@code HealthCheck.connect()} at {@code --interval-ms},
 * one per listener, sharing ONE {@link CheckTransport} with one event-loop thread and one clock: by default
 * ({@code --clock loop}) {@link CheckTransport#newClock()}, the clock a balancer owns when given none, whose timer is
 * that same loop; {@code --clock system} uses {@link TaskClock#system()} (its own timer thread) instead. First attempts are spread evenly over one interval; {@code --jitter-ms} adds the monitor's own
 * jitter on top. After {@code --warmup-s} the {@code --window-s} window is measured: attempts started and completed,
 * process CPU (all JVM threads: timer, loop, GC, JIT, this harness), CPU of the timer and loop threads, lateness of
 * attempt starts against the fixed-rate plan, attempt durations, and the listeners' accept count as a cross-check.
 */
final class Lb4jCheckRun {

    static void main(String[] args) throws Exception {
        int targets = Integer.parseInt(Options.get(args, "--targets", "10000"));
        int basePort = Integer.parseInt(Options.get(args, "--base-port", "" + Targets.DEFAULT_BASE_PORT));
        int controlPort = Integer.parseInt(Options.get(args, "--control-port", "29999"));
        long intervalMs = Long.parseLong(Options.get(args, "--interval-ms", "1000"));
        long jitterMs = Long.parseLong(Options.get(args, "--jitter-ms", "0"));
        int warmupS = Integer.parseInt(Options.get(args, "--warmup-s", "5"));
        int windowS = Integer.parseInt(Options.get(args, "--window-s", "30"));
        Path out = Path.of(Options.get(args, "--out", "lb4j-" + targets + ".properties"));
        long clkTck = Long.parseLong(Options.get(args, "--clk-tck", "100"));

        Duration interval = Duration.ofMillis(intervalMs);
        HealthCheck check = HealthCheck.connect().interval(interval).jitter(Duration.ofMillis(jitterMs)).build();
        long perSecond = targets * 1000L / intervalMs;
        Window window = new Window((int) Math.min(Integer.MAX_VALUE - 8, perSecond * (windowS + 2) + 1000));

        // "loop" (default): what a balancer does when given no clock, a clock on the check loop itself, so attempts,
        // timeouts and connects run on ONE thread. "system": TaskClock.system(), a timer thread handing off to the loop.
        String clockKind = Options.get(args, "--clock", "loop");
        CheckTransport transport = CheckTransport.create(1);
        TaskClock clock = switch (clockKind) {
            case "loop" -> transport.newClock();
            case "system" -> TaskClock.system();
            default -> throw new IllegalArgumentException("--clock " + clockKind + " (expected: loop or system)");
        };
        Network network = NettyNetwork.on(transport);
        CheckContext context = new CheckContext() {
            @Override
            public TaskClock clock() {
                return clock;
            }

            @Override
            public Network network() {
                return network;
            }
        };
        HealthMonitor.Listener listener = new HealthMonitor.Listener() {
            @Override
            public void onResult(CheckResult result) {
                if (window.contains(System.nanoTime())) {
                    window.results.incrementAndGet();
                    if (!result.healthy()) {
                        window.failures.incrementAndGet();
                        if (window.firstFailure == null) {
                            window.firstFailure = String.valueOf(result);
                        }
                    }
                }
            }

            @Override
            public void onTransition(boolean up, CheckResult cause) {
                // counted as failures above
            }
        };
        ConnectStrategy connect = new ConnectStrategy();
        InetAddress vip = InetAddress.getLoopbackAddress();
        List<HealthMonitor> monitors = new ArrayList<>(targets);
        long intervalNanos = interval.toNanos();
        SplittableRandom seed = new SplittableRandom(42);
        for (int i = 0; i < targets; i++) {
            int port = Targets.port(basePort, i);
            CheckTarget target = new CheckTarget("bench", vip, List.of(port), "rs" + i, Targets.address(i),
                    List.of(port), check.timeout());
            TimedStrategy timed = new TimedStrategy(connect, window, intervalNanos, seed.split());
            HealthMonitor m = new HealthMonitor(check, target, timed, context, listener, timed);
            long initialDelay = intervalNanos * i / targets;
            timed.planFirst(System.nanoTime(), initialDelay);
            m.start(Duration.ofNanos(initialDelay));
            monitors.add(m);
        }
        System.out.printf(Locale.ROOT, "lb4j: %d monitors started on %s, clock %s, interval %d ms, jitter %d ms; warm-up %d s%n",
                targets, transport, clockKind, intervalMs, jitterMs, warmupS);
        Thread.sleep(warmupS * 1000L);

        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long[] acc0 = LoopbackListeners.query(controlPort);
        long opens0 = TcpCounters.activeOpens("self");
        Map<String, Long> thr0 = threadCpu(threads);
        long cpu0 = os.getProcessCpuTime();
        long self = ProcessHandle.current().pid();
        long sys0 = ProcStat.sysTicks(self);
        long t0 = System.nanoTime();
        window.startNanos = t0;
        window.endNanos = t0 + windowS * 1_000_000_000L;
        Thread.sleep(windowS * 1000L);
        long t1 = System.nanoTime();
        long cpu1 = os.getProcessCpuTime();
        long sys1 = ProcStat.sysTicks(self);
        Map<String, Long> thr1 = threadCpu(threads);
        long opens1 = TcpCounters.activeOpens("self");
        long[] acc1 = LoopbackListeners.query(controlPort);
        for (HealthMonitor m : monitors) {
            m.stop();
        }
        transport.shutdown();

        double seconds = (t1 - t0) / 1e9;
        double cpuS = (cpu1 - cpu0) / 1e9;
        double[] late = window.lateness.percentiles(50, 99, 99.9, 100);
        double[] dur = window.duration.percentiles(50, 99);
        Map<String, String> r = new LinkedHashMap<>();
        r.put("system", "lb4j");
        r.put("targets", "" + targets);
        r.put("intervalMs", "" + intervalMs);
        r.put("jitterMs", "" + jitterMs);
        r.put("clock", clockKind);
        r.put("windowS", fmt(seconds));
        // Healthy verdicts only: a timed-out attempt is no check done.
        r.put("checksPerS", fmt((window.results.get() - window.failures.get()) / seconds));
        r.put("verdictsPerS", fmt(window.results.get() / seconds));
        r.put("startedPerS", fmt(window.started.get() / seconds));
        r.put("acceptsPerS", fmt((acc1[0] - acc0[0]) / ((acc1[1] - acc0[1]) / 1e9)));
        // minus the one control connection inside the window
        r.put("connectsPerS", fmt((opens1 - opens0 - 1) / seconds));
        r.put("failures", "" + window.failures.get());
        r.put("firstFailure", window.firstFailure == null ? "-" : window.firstFailure.replace('\n', ' '));
        r.put("cpuS", fmt(cpuS));
        r.put("cpuPerWindowS", fmt(cpuS * 30.0 / seconds));
        r.put("cpuPct", fmt(100.0 * cpuS / seconds));
        r.put("sysPct", fmt(100.0 * (sys1 - sys0) / clkTck / seconds));
        r.put("cpuTimerThreadPct", fmt(100.0 * delta(thr0, thr1, "lb4j-timer-") / 1e9 / seconds));
        r.put("cpuLoopThreadPct", fmt(100.0 * delta(thr0, thr1, "lb4j-check-") / 1e9 / seconds));
        r.put("cpuTopThreads", topThreads(thr0, thr1, seconds));
        r.put("latenessP50Ms", fmt(late[0] / 1000.0));
        r.put("latenessP99Ms", fmt(late[1] / 1000.0));
        r.put("latenessP999Ms", fmt(late[2] / 1000.0));
        r.put("latenessMaxMs", fmt(late[3] / 1000.0));
        r.put("attemptP50Ms", fmt(dur[0] / 1000.0));
        r.put("attemptP99Ms", fmt(dur[1] / 1000.0));
        r.put("gc", ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList().toString());
        StringBuilder sb = new StringBuilder();
        r.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        Files.writeString(out, sb.toString());
        System.out.print(sb);
        System.exit(0);
    }

    private static Map<String, Long> threadCpu(ThreadMXBean threads) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu >= 0) {
                    m.merge(info.getThreadName(), cpu, Long::sum);
                }
            }
        }
        return m;
    }

    /** The five threads that used the most CPU in the window, "name pct%" each, to see where non-check CPU goes. */
    private static String topThreads(Map<String, Long> before, Map<String, Long> after, double seconds) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(5)
                .map(e -> e.getKey() + " " + fmt(100.0 * e.getValue() / 1e9 / seconds) + "%")
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String prefix) {
        long d = 0;
        for (var e : after.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                d += e.getValue() - before.getOrDefault(e.getKey(), 0L);
            }
        }
        return d;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private Lb4jCheckRun() {
    }
}
