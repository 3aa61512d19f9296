package io.lb4j.ha.internal;

import io.github.resilience4j.core.IntervalFunction;

import java.time.Duration;

/**
 * The reconnect schedule of config replication and flow sync: exponential backoff with jitter, capped. The delay
 * after the n-th consecutive failure is uniformly random within &plusmn;{@value #RANDOMIZATION} of
 * {@code INITIAL x 2^(n-1)}, and never more than {@code MAX} (resilience4j's
 * {@link IntervalFunction#ofExponentialRandomBackoff(long, double, double, long)}). The jitter keeps two nodes that
 * lost each other at the same instant from retrying in lockstep. Not thread-safe: one per reconnecting thread.
 */
public final class Backoff {

    /** The base delay after the first failure. */
    public static final Duration INITIAL = Duration.ofMillis(100);
    /** The longest delay. */
    public static final Duration MAX = Duration.ofSeconds(5);
    /** Each failure doubles the base delay. */
    public static final double MULTIPLIER = 2.0;
    /** The jitter: the delay is the base &plusmn; this fraction of it. */
    public static final double RANDOMIZATION = 0.5;

    // Past this attempt the base is beyond MAX anyway; passing larger numbers would only make IntervalFunction
    // iterate longer (it walks the sequence from the first attempt on every call).
    private static final int LAST_GROWING_ATTEMPT = attemptReaching(MAX);

    private final IntervalFunction intervals = IntervalFunction.ofExponentialRandomBackoff(INITIAL.toMillis(),
            MULTIPLIER, RANDOMIZATION, MAX.toMillis());
    private int failures;

    /** Counts a failure and returns the delay before the next attempt. */
    public Duration next() {
        failures = Math.min(failures + 1, LAST_GROWING_ATTEMPT);
        return Duration.ofMillis(intervals.apply(failures));
    }

    /** A connection worked: the next failure starts the schedule again. */
    public void reset() {
        failures = 0;
    }

    /** The base (un-jittered) delay of the {@code attempt}-th consecutive failure, 1-based. */
    public static Duration base(int attempt) {
        double millis = INITIAL.toMillis() * Math.pow(MULTIPLIER, Math.min(attempt, LAST_GROWING_ATTEMPT) - 1);
        return Duration.ofMillis((long) Math.min(millis, Long.MAX_VALUE));
    }

    private static int attemptReaching(Duration max) {
        int attempt = 1;
        while (INITIAL.toMillis() * Math.pow(MULTIPLIER, attempt - 1) < max.toMillis()) {
            attempt++;
        }
        return attempt;
    }
}
