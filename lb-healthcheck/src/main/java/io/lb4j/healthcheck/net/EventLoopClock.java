package io.lb4j.healthcheck.net;

import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real-time {@link TaskClock} whose timer is one Netty event loop, normally the health-check loop
 * ({@link CheckTransport#newClock()}): attempts, their timeouts and their connects then all run on ONE thread, with no
 * hand-off between a timer thread and the I/O thread (no wake-ups, no cross-thread queues; the clock's one lock is
 * contended only by callers on other threads).
 *
 * <p>Same contract as {@link TaskClock#system()}: tasks run on the loop's thread, never before their delay; tasks due
 * at the same instant run in the order they were scheduled; a task that throws is logged and does not stop the loop.
 * Closing the clock does not stop the loop, which others may share: tasks not yet run never run (they stay queued,
 * inert, until their deadline) and {@link #schedule} is refused afterwards.
 *
 * <p>Delays up to {@value #MAX_COALESCED_SECONDS} s are rounded up to the next millisecond tick: the tasks due in one
 * tick are kept together, in scheduling order, and run in ONE wake-up of the loop by ONE Netty timer. 10,000 checks a
 * second spread evenly would otherwise put the loop to sleep and wake it 10,000 times a second (and the servers'
 * accept threads as often), each wake-up costing more than a connect check, and keep three timers per check in
 * Netty's heap. So a task runs up to 1 ms late (HAProxy's timers tick in milliseconds too); earlier ticks run first,
 * and within a tick scheduling order is kept. Longer delays, and zero, go to Netty's timer as they are.
 *
 * <p>Tasks must not block: they hold up every health check on the loop. Thread-safe.
 */
public final class EventLoopClock implements TaskClock, AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventLoopClock.class);

    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * Longer delays are scheduled exactly. A cancelled task stays in its tick until the tick comes (cancelling only
     * marks it), so the bound also bounds how long a cancelled task's memory is kept.
     */
    private static final long MAX_COALESCED_SECONDS = 10;
    private static final long MAX_COALESCED_NANOS = TimeUnit.SECONDS.toNanos(MAX_COALESCED_SECONDS);

    private final EventLoop loop;
    private volatile boolean closed;
    /** Tick number (nanoTime / TICK_NANOS, rounded up) to the tasks due in it, in scheduling order. */
    private final TreeMap<Long, ArrayDeque<Task>> ticks = new TreeMap<>();

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
     * Runs {@code task} once on the loop, {@code delay} from now (up to 1 ms later, see the class comment).
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
        long nanos = delay.toNanos();
        if (nanos == 0 || nanos > MAX_COALESCED_NANOS) {
            t.future = loop.schedule(t, nanos, TimeUnit.NANOSECONDS);
            return t;
        }
        if (loop.isShuttingDown()) {
            throw new RejectedExecutionException("event loop shut down");
        }
        long now = System.nanoTime();
        long tick = Math.ceilDiv(now + nanos, TICK_NANOS);
        boolean newTick;
        synchronized (ticks) {
            ArrayDeque<Task> due = ticks.get(tick);
            newTick = due == null;
            if (newTick) {
                due = new ArrayDeque<>();
                ticks.put(tick, due);
            }
            due.add(t);
        }
        if (newTick) {
            // Fires at or after the tick (Netty adds the delay to a later reading of the same clock), so the tick is
            // due when it runs; ticks that came due meanwhile run with it, oldest first.
            try {
                loop.schedule(() -> runDueTicks(tick), tick * TICK_NANOS - now, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                synchronized (ticks) {
                    ticks.remove(tick);
                }
                throw e;
            }
        }
        return t;
    }

    /** On the loop, for {@code tick}: runs every tick that has come, oldest first, each in scheduling order. */
    private void runDueTicks(long tick) {
        long now = System.nanoTime();
        long nowTick = Math.floorDiv(now, TICK_NANOS);
        if (nowTick < tick) {
            // Woken before the tick (not expected of Netty, but cheap to rule out): a tick never runs early, and
            // nothing else would come back for it.
            loop.schedule(() -> runDueTicks(tick), tick * TICK_NANOS - now, TimeUnit.NANOSECONDS);
            return;
        }
        while (true) {
            ArrayDeque<Task> due;
            synchronized (ticks) {
                Map.Entry<Long, ArrayDeque<Task>> first = ticks.firstEntry();
                if (first == null || first.getKey() > nowTick) {
                    return;
                }
                due = ticks.pollFirstEntry().getValue();
            }
            // Outside the lock: tasks schedule more (the next attempt, a timeout).
            for (Task t : due) {
                t.run();
            }
        }
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

    /**
     * The scheduled task and its handle in one object; set once it has run or been cancelled, so that a cancelled
     * task left in its tick never runs.
     */
    private final class Task extends AtomicBoolean implements Runnable, Cancellable {

        /** Dropped on cancel: a cancelled task waits for its tick, what it would have run need not. */
        private Runnable task;
        private volatile ScheduledFuture<?> future; // only for delays Netty's timer keeps

        Task(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            if (!compareAndSet(false, true) || closed) {
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
            if (!compareAndSet(false, true)) {
                return false;
            }
            task = null; // never read again: run() read it only after winning the flag, which it now cannot
            ScheduledFuture<?> f = future;
            if (f != null) {
                f.cancel(false); // out of Netty's heap now rather than at its deadline
            }
            return true;
        }
    }
}
