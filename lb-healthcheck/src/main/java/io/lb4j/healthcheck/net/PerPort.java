package io.lb4j.healthcheck.net;

import io.lb4j.api.check.CheckResult;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;

/**
 * Runs one probe on several ports in parallel and combines the verdicts: healthy when every port is, otherwise a
 * reason naming each failed port in order, {@code "port 80: status 503 (expected: [200]); port 443: timed out
 * after 5s"}. Seven ports cost one timeout, not seven. Not part of the public API.
 */
public final class PerPort {

    private PerPort() {
    }

    /** Probes every port with {@code probe}; a stage that fails counts as a failed port, never as an exception. */
    public static CompletableFuture<CheckResult> all(List<Integer> ports, IntFunction<CompletionStage<CheckResult>> probe) {
        if (ports.isEmpty()) {
            return CompletableFuture.completedFuture(CheckResult.failed("no ports to check"));
        }
        List<CompletableFuture<CheckResult>> each = new ArrayList<>(ports.size());
        List<CompletableFuture<CheckResult>> underlying = new ArrayList<>(ports.size());
        for (int port : ports) {
            CompletableFuture<CheckResult> one;
            try {
                one = probe.apply(port).toCompletableFuture();
            } catch (RuntimeException e) {
                one = CompletableFuture.completedFuture(CheckResult.failed(Reasons.describe(e, java.time.Duration.ZERO)));
            }
            underlying.add(one);
            each.add(one.handle((r, e) -> e == null ? r : CheckResult.failed(Reasons.describe(e, java.time.Duration.ZERO))));
        }
        CompletableFuture<CheckResult> combined = CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            StringBuilder reasons = new StringBuilder();
            for (int i = 0; i < ports.size(); i++) {
                CheckResult r = each.get(i).join();
                if (!r.healthy()) {
                    reasons.append(reasons.isEmpty() ? "" : "; ").append("port ").append(ports.get(i)).append(": ")
                            .append(r.reason());
                }
            }
            return reasons.isEmpty() ? CheckResult.ok() : CheckResult.failed(reasons.toString());
        });
        combined.whenComplete((r, e) -> {
            if (combined.isCancelled()) {
                underlying.forEach(f -> f.cancel(false)); // the attempt was given up: stop every port's probe
            }
        });
        return combined;
    }
}
