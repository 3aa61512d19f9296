package io.lb4j.healthcheck;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.healthcheck.net.Reasons;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.random.RandomGenerator;

/**
 * Checks one real server of one service for as long as it runs: an attempt every {@link HealthCheck#interval()}
 * (plus up to {@link HealthCheck#jitter()}), each bounded by {@link HealthCheck#timeout()}, with the
 * {@code failAfter} / {@code riseAfter} counting that turns attempts into up and down transitions.
 *
 * <p>Timing is fixed-rate from the first attempt: attempts start at {@code t0}, {@code t0 + interval}, ... whatever
 * each one took, so "ten failures 30 s apart" is ten failures in 270 s plus the last attempt's duration. The server
 * starts as up; the first failed attempt counts toward {@code failAfter}. Everything waits on the injected
 * {@link TaskClock}, so the same code runs in real time and under the test kit's virtual clock.
 *
 * <p>At most one attempt is in flight: an attempt that reaches its timeout is cancelled
 * ({@code toCompletableFuture().cancel(false)}) before the next one starts, since the timeout is at most the interval
 * and is scheduled first; {@link #stop()} cancels the attempt in flight. A strategy closes what it opened when its
 * stage is cancelled (an external script is killed with every process it started).
 *
 * <p>Thread-safe. Results may arrive on any thread (an I/O thread, the timer); the listener is called on that thread,
 * without the monitor's lock held. Attempts never overlap, so calls for one monitor do not overlap either. A result
 * that races with {@link #stop()} may still be delivered once; a listener that cares checks that the monitor is still
 * the current one.
 */
public final class HealthMonitor {

    /** Receives the monitor's findings. */
    public interface Listener {

        /** Every attempt's result, good or bad. */
        void onResult(CheckResult result);

        /** The server went down ({@code up == false}) or came back up; {@code cause} is the deciding attempt. */
        void onTransition(boolean up, CheckResult cause);
    }

    private final HealthCheck check;
    private final CheckTarget target;
    private final HealthCheckStrategy strategy;
    private final CheckContext context;
    private final Listener listener;
    private final RandomGenerator random;
    private final long intervalNanos;
    private final String timedOut;

    private final Object lock = new Object();
    private boolean running;
    private long generation; // bumps on stop, so late results of an old run are ignored
    private Cancellable nextAttempt;
    private Attempt current; // the attempt in flight, cancelled by stop()
    private long nextStartNanos;
    private boolean up = true;
    private int consecutiveFailures;
    private int consecutiveSuccesses;
    private long lastAttemptNanos = -1; // -1: no attempt finished yet

    /**
     * @param check    the check settings
     * @param target   what to check
     * @param strategy runs one attempt
     * @param context  clock and network for the strategy
     * @param listener receives results and transitions
     * @param random   source of jitter
     */
    public HealthMonitor(HealthCheck check, CheckTarget target, HealthCheckStrategy strategy, CheckContext context,
                         Listener listener, RandomGenerator random) {
        this.check = Objects.requireNonNull(check, "check");
        this.target = Objects.requireNonNull(target, "target");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.context = Objects.requireNonNull(context, "context");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.random = Objects.requireNonNull(random, "random");
        this.intervalNanos = check.interval().toNanos();
        this.timedOut = "timed out after " + Reasons.format(check.timeout());
    }

    /** The server as this monitor sees it now. */
    public boolean isUp() {
        synchronized (lock) {
            return up;
        }
    }

    /**
     * How long the last finished attempt took, from its start to its verdict (a timed-out attempt: its timeout), on
     * the monitor's clock; empty before the first. Inside {@link Listener#onResult} it is that result's attempt:
     * attempts never overlap.
     */
    public Optional<Duration> lastAttemptDuration() {
        synchronized (lock) {
            return lastAttemptNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(lastAttemptNanos));
        }
    }

    /**
     * Starts checking: the first attempt after {@code initialDelay}.
     *
     * @throws IllegalStateException when already running
     */
    public void start(Duration initialDelay) {
        start(initialDelay, true);
    }

    /**
     * Starts checking from a known state: a server already down needs {@code riseAfter} good attempts to come up.
     *
     * @param initialDelay time to the first attempt
     * @param initiallyUp  whether the server counts as up now
     * @throws IllegalStateException when already running
     */
    public void start(Duration initialDelay, boolean initiallyUp) {
        synchronized (lock) {
            up = initiallyUp;
            consecutiveFailures = 0;
            consecutiveSuccesses = 0;
            if (running) {
                throw new IllegalStateException("health monitor for " + target.realServer() + " already running");
            }
            running = true;
            TaskClock clock = context.clock();
            nextStartNanos = clock.nanoTime() + initialDelay.toNanos();
            long gen = generation;
            nextAttempt = clock.schedule(initialDelay, () -> attempt(gen));
        }
    }

    /**
     * Stops checking: no further attempt starts, and the one under way is cancelled (so the strategy closes its
     * sockets or kills its script now, not at a timeout that a stopped clock may never run) and its result ignored.
     * Idempotent.
     */
    public void stop() {
        Attempt inFlight;
        synchronized (lock) {
            running = false;
            generation++;
            if (nextAttempt != null) {
                nextAttempt.cancel();
                nextAttempt = null;
            }
            inFlight = current;
            current = null;
        }
        if (inFlight != null) {
            inFlight.abandon(); // outside the lock: cancelling runs the strategy's completion handlers
        }
    }

    private void attempt(long gen) {
        TaskClock clock = context.clock();
        synchronized (lock) {
            if (!running || gen != generation) {
                return;
            }
        }
        Attempt a = new Attempt(gen, clock.nanoTime());
        // Scheduled before the next attempt, so that with timeout == interval this attempt's verdict comes first.
        Cancellable timeout = clock.schedule(check.timeout(), a);
        a.timeout = timeout;
        synchronized (lock) {
            if (!running || gen != generation) {
                timeout.cancel();
                return;
            }
            // Fixed rate: the next start is measured from this one's planned start, not from when it finishes.
            nextStartNanos += intervalNanos + jitterNanos();
            long delay = Math.max(0, nextStartNanos - clock.nanoTime());
            nextAttempt = clock.schedule(Duration.ofNanos(delay), () -> attempt(gen));
            current = a;
        }
        CompletionStage<CheckResult> stage;
        try {
            stage = strategy.check(check.probe(), target, context);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        try {
            CompletableFuture<CheckResult> f = stage.toCompletableFuture();
            a.inFlight = f;
            if (a.get()) {
                f.cancel(false);
            }
        } catch (UnsupportedOperationException e) {
            // A stage that cannot be cancelled is left to finish on its own.
        }
        stage.whenComplete(a);
    }

    /**
     * One attempt: whichever of its timeout ({@link #run}) and its verdict ({@link #accept}) comes first decides it.
     * One object per attempt rather than a flag, a holder and two lambdas.
     */
    private final class Attempt extends AtomicBoolean implements Runnable, BiConsumer<CheckResult, Throwable> {

        private final long gen;
        private final long startNanos;
        volatile Cancellable timeout;
        volatile CompletableFuture<CheckResult> inFlight;

        Attempt(long gen, long startNanos) {
            this.gen = gen;
            this.startNanos = startNanos;
        }

        /** The timeout passed. */
        @Override
        public void run() {
            if (compareAndSet(false, true)) {
                // Cancel, so the strategy closes its sockets now: at most one attempt per target is ever in flight,
                // however far behind an overloaded event loop falls.
                cancelInFlight();
                complete(gen, startNanos, check.probe().onTimeout(timedOut));
            }
        }

        /** The monitor stopped: cancel without a verdict. */
        void abandon() {
            if (compareAndSet(false, true)) {
                Cancellable t = timeout;
                if (t != null) {
                    t.cancel();
                }
                cancelInFlight();
            }
        }

        private void cancelInFlight() {
            CompletableFuture<CheckResult> f = inFlight;
            if (f != null) {
                f.cancel(false);
            }
        }

        /** The strategy's verdict. */
        @Override
        public void accept(CheckResult result, Throwable error) {
            if (!compareAndSet(false, true)) {
                return;
            }
            Cancellable t = timeout;
            if (t != null) {
                t.cancel();
            }
            CheckResult r = error != null ? CheckResult.failed(Reasons.message(error))
                    : result != null ? result : CheckResult.failed("strategy returned no result");
            complete(gen, startNanos, r);
        }
    }

    private long jitterNanos() {
        long j = check.jitter().toNanos();
        return j == 0 ? 0 : random.nextLong(j);
    }

    private void complete(long gen, long startNanos, CheckResult result) {
        boolean transition = false;
        boolean nowUp;
        long now = context.clock().nanoTime();
        synchronized (lock) {
            if (!running || gen != generation) {
                return;
            }
            lastAttemptNanos = Math.max(0, now - startNanos);
            if (result.healthy()) {
                consecutiveFailures = 0;
                consecutiveSuccesses++;
                if (!up && consecutiveSuccesses >= check.riseAfter()) {
                    up = true;
                    transition = true;
                }
            } else {
                consecutiveSuccesses = 0;
                consecutiveFailures++;
                if (up && consecutiveFailures >= check.failAfter()) {
                    up = false;
                    transition = true;
                }
            }
            nowUp = up;
        }
        recordVerdict(result, transition ? (nowUp ? "up" : "down") : "", now - startNanos);
        // Outside the lock: the listener takes its own locks and may call stop(); holding ours would invite deadlock.
        listener.onResult(result);
        if (transition) {
            listener.onTransition(nowUp, result);
        }
    }

    /** The attempt as a JFR event; a field check when no recording enables it. */
    private void recordVerdict(CheckResult result, String transition, long nanos) {
        CheckVerdictEvent e = new CheckVerdictEvent();
        if (e.shouldCommit()) {
            e.service = target.service();
            e.realServer = target.realServer();
            e.check = check.probe().type();
            e.verdict = result.reason();
            e.healthy = result.healthy();
            e.transition = transition;
            e.attemptDuration = Math.max(0, nanos);
            e.commit();
        }
    }
}
