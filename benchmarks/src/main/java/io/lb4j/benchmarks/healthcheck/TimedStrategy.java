package io.lb4j.benchmarks.healthcheck;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;

import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;

/**
 * Wraps the real strategy for ONE monitor and measures how late each attempt starts: the planned start of attempt
 * {@code k+1} is the planned start of attempt {@code k} plus the interval plus the jitter the monitor drew for it
 * (this object is also the monitor's {@link RandomGenerator}, so it sees every draw), exactly the monitor's
 * fixed-rate schedule. Lateness = clock reading when {@code check} is called minus the planned start. Also records
 * how long each attempt took (call to completion).
 *
 * <p>{@code check} and the jitter draws happen on the clock's timer thread, one monitor's calls never overlap.
 */
final class TimedStrategy implements HealthCheckStrategy, RandomGenerator {

    private final HealthCheckStrategy delegate;
    private final Window window;
    private final long intervalNanos;
    private final RandomGenerator random;
    private long plannedNanos;
    private long pendingJitterNanos;

    TimedStrategy(HealthCheckStrategy delegate, Window window, long intervalNanos, RandomGenerator random) {
        this.delegate = delegate;
        this.window = window;
        this.intervalNanos = intervalNanos;
        this.random = random;
    }

    /** Call just before {@code monitor.start(initialDelay)}. */
    void planFirst(long nowNanos, long initialDelayNanos) {
        plannedNanos = nowNanos + initialDelayNanos;
    }

    @Override
    public boolean supports(Probe probe) {
        return delegate.supports(probe);
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        long now = System.nanoTime();
        long planned = plannedNanos;
        plannedNanos = planned + intervalNanos + pendingJitterNanos;
        pendingJitterNanos = 0;
        boolean in = window.contains(now);
        if (in) {
            window.lateness.add((now - planned) / 1000);
            window.started.incrementAndGet();
        }
        CompletionStage<CheckResult> stage = delegate.check(probe, target, context);
        if (in) {
            stage.whenComplete((r, e) -> window.duration.add((System.nanoTime() - now) / 1000));
        }
        return stage;
    }

    @Override
    public long nextLong() {
        return random.nextLong();
    }

    @Override
    public long nextLong(long bound) {
        long j = random.nextLong(bound);
        pendingJitterNanos = j;
        return j;
    }
}
