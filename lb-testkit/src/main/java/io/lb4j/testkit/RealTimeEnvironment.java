package io.lb4j.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A {@link ConformanceEnvironment} on real sockets, whose balancer runs on the system clock: time passes for real
 * (scaled down by the environment's {@link #interval()}), and waiting for a state polls it against a deadline.
 */
public interface RealTimeEnvironment extends ConformanceEnvironment {

    /** Real time passes: the scenario asserts that nothing changes during it, so this neither polls nor returns early. */
    @Override
    default void advance(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
        }
    }

    /** Polls {@code condition} every 5 ms until it holds (true) or {@code limit} passed (false). */
    @Override
    default boolean advanceUntil(BooleanSupplier condition, Duration limit) {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
        return true;
    }

    /** False: events carry real timestamps, so scenarios check order and interval counts, not exact seconds. */
    @Override
    default boolean exactTime() {
        return false;
    }
}
