package io.lb4j.api.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link TaskClock#system()}: the JVM's clocks and a daemon timer thread. */
final class SystemTaskClock implements TaskClock, AutoCloseable {

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SystemTaskClock.class);

    private final ScheduledExecutorService timer;

    SystemTaskClock() {
        String name = "lb4j-timer-" + INSTANCES.incrementAndGet();
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        this.timer = executor;
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** Stops the timer thread; tasks not yet run never run. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay: " + delay + " (expected: >= 0)");
        }
        ScheduledFuture<?> f = timer.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // One failing task must not stop the timer thread and with it every later check.
                LOG.error("scheduled task failed", e);
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }
}
