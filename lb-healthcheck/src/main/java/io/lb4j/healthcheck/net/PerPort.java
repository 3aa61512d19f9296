package io.lb4j.healthcheck.net;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.PortCheck;
import io.lb4j.api.spi.TaskClock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;

/**
 * Runs one probe on several ports in parallel and combines the verdicts: healthy when every port is, otherwise a
 * reason naming each failed port in order, {@code "port 80: status 503 (expected: [200]); port 443: timed out
 * after 5s"}. Seven ports cost one timeout, not seven. On several ports the result carries each port's outcome and
 * latency ({@link CheckResult#ports()}) for the status; on one, the verdict is the port's. Not part of the public
 * API.
 */
public final class PerPort {

    private PerPort() {
    }

    /**
     * Probes every port with {@code probe}; a stage that fails counts as a failed port, never as an exception. Each
     * port's latency runs on {@code clock} from this call until its stage completes.
     */
    public static CompletableFuture<CheckResult> all(List<Integer> ports, TaskClock clock,
                                                     IntFunction<CompletionStage<CheckResult>> probe) {
        if (ports.isEmpty()) {
            return CompletableFuture.completedFuture(CheckResult.failed("no ports to check"));
        }
        long start = clock.nanoTime();
        List<CompletableFuture<PortCheck>> each = new ArrayList<>(ports.size());
        List<CompletableFuture<CheckResult>> underlying = new ArrayList<>(ports.size());
        for (int port : ports) {
            CompletableFuture<CheckResult> one;
            try {
                one = probe.apply(port).toCompletableFuture();
            } catch (RuntimeException e) {
                one = CompletableFuture.completedFuture(CheckResult.failed(Reasons.describe(e, Duration.ZERO)));
            }
            underlying.add(one);
            each.add(one.handle((r, e) -> outcome(port,
                    e == null ? r : CheckResult.failed(Reasons.describe(e, Duration.ZERO)), start, clock)));
        }
        CompletableFuture<CheckResult> combined = CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(ignored -> {
                    CheckResult r = combine(each.stream().map(CompletableFuture::join).toList());
                    return ports.size() > 1 ? r : r.withPorts(List.of()); // one port: the verdict is the port's
                });
        combined.whenComplete((r, e) -> {
            if (combined.isCancelled()) {
                underlying.forEach(f -> f.cancel(false)); // the attempt was given up: stop every port's probe
            }
        });
        return combined;
    }

    /** {@code port}'s outcome {@code result}, its latency counted on {@code clock} from {@code startNanos} to now. */
    public static PortCheck outcome(int port, CheckResult result, long startNanos, TaskClock clock) {
        return new PortCheck(port, result.healthy(), result.reason(),
                Duration.ofNanos(Math.max(0, clock.nanoTime() - startNanos)));
    }

    /** Healthy when every port is, otherwise each failed port and why, in the given order; carries the ports. */
    public static CheckResult combine(List<PortCheck> ports) {
        StringBuilder reasons = new StringBuilder();
        for (PortCheck p : ports) {
            if (!p.ok()) {
                reasons.append(reasons.isEmpty() ? "" : "; ").append("port ").append(p.port()).append(": ")
                        .append(p.reason());
            }
        }
        return (reasons.isEmpty() ? CheckResult.ok() : CheckResult.failed(reasons.toString())).withPorts(ports);
    }
}
