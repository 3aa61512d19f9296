package io.lb4j.api.spi;

import java.time.Duration;
import java.time.Instant;

/**
 * The time source and timer of one balancer instance. Everything in lb4j that waits (health-check intervals,
 * timeouts, hold-downs, persistence expiry) asks its clock, never {@code System} or a global scheduler, so a test
 * can inject the test kit's virtual clock and run five minutes of failover policy in milliseconds.
 *
 * <p>Implementations are thread-safe. Tasks run on a thread the clock owns (the system clock) or on the thread
 * that advances time (a virtual clock); tasks due at the same instant run in the order they were scheduled.
 */
public interface TaskClock {

    /** The current wall-clock time, used for event timestamps. */
    Instant now();

    /** A monotonic reading in nanoseconds, for measuring intervals; only differences are meaningful. */
    long nanoTime();

    /**
     * Runs {@code task} once, {@code delay} from now.
     *
     * @throws IllegalArgumentException when {@code delay} is negative
     */
    Cancellable schedule(Duration delay, Runnable task);

    /**
     * The real clock, with one daemon timer thread per instance. The returned clock is also {@link AutoCloseable}:
     * closing it stops the thread; a balancer that created its own clock closes it when it stops.
     */
    static TaskClock system() {
        return new SystemTaskClock();
    }
}
