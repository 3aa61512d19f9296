package io.lb4j.healthcheck.net;

import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A real-time {@link TaskClock} whose timer is one Netty event loop, normally the health-check loop
 * ({@link CheckTransport#newClock()}): attempts, their timeouts and their connects then all run on ONE thread, with no
 * hand-off between a timer thread and the I/O thread (no wake-ups, no cross-thread queues, no lock contention).
 *
 * <p>Same contract as {@link TaskClock#system()}: tasks run on the loop's thread; tasks due at the same instant run in
 * the order they were scheduled (Netty orders equal deadlines by scheduling order); a task that throws is logged and
 * does not stop the loop. Closing the clock does not stop the loop, which others may share: tasks not yet run never
 * run (they stay queued, inert, until their deadline) and {@link #schedule} is refused afterwards.
 *
 * <p>Tasks must not block: they hold up every health check on the loop. Thread-safe.
 */
public final class EventLoopClock implements TaskClock, AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventLoopClock.class);

    private final EventLoop loop;
    private volatile boolean closed;

    /** A clock on {@code loop}; closing it leaves the loop running. */
    public EventLoopClock(EventLoop loop) {
        this.loop = Objects.requireNonNull(loop, "loop");
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** Whether the calling thread is this clock's timer thread. */
    public boolean inTimerThread() {
        return loop.inEventLoop();
    }

    /**
     * Runs {@code task} once on the loop, {@code delay} from now.
     *
     * @throws IllegalArgumentException   when {@code delay} is negative
     * @throws RejectedExecutionException when the clock is closed or the loop shut down
     */
    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay: " + delay + " (expected: >= 0)");
        }
        if (closed) {
            throw new RejectedExecutionException("clock closed");
        }
        Task t = new Task(task);
        t.future = loop.schedule(t, delay.toNanos(), TimeUnit.NANOSECONDS);
        return t;
    }

    /** Tasks not yet run never run; the loop itself keeps running. Idempotent. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "EventLoopClock[" + loop + (closed ? ", closed]" : "]");
    }

    /** The scheduled task and its handle in one object: one allocation besides Netty's own. */
    private final class Task implements Runnable, Cancellable {

        private final Runnable task;
        private volatile ScheduledFuture<?> future;

        Task(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            if (closed) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                // One failing task must not take every later check with it.
                LOG.error("scheduled task failed", e);
            }
        }

        @Override
        public boolean cancel() {
            ScheduledFuture<?> f = future;
            return f != null && f.cancel(false);
        }
    }
}
