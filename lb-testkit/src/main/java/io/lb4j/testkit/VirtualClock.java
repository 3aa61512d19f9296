package io.lb4j.testkit;

import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;

import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * A {@link TaskClock} whose time moves only when a test says so. Scheduled tasks run on the thread that calls
 * {@link #advance(Duration)} or {@link #runDue()}, in order of due time and, for equal times, of scheduling; the
 * clock reads each task's due time while it runs, so timestamps taken inside tasks are exact.
 *
 * <p>Starts at {@link Instant#EPOCH} (t = 0). Thread-safe: other threads may schedule while time advances.
 */
public final class VirtualClock implements TaskClock {

    private final Instant origin;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private long nowNanos;
    private long sequence;

    private final class Task implements Comparable<Task>, Cancellable {
        final long dueNanos;
        final long seq;
        final Runnable body;
        boolean cancelled;

        Task(long dueNanos, long seq, Runnable body) {
            this.dueNanos = dueNanos;
            this.seq = seq;
            this.body = body;
        }

        @Override
        public int compareTo(Task o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }

        @Override
        public boolean cancel() {
            synchronized (VirtualClock.this) {
                if (cancelled) {
                    return false;
                }
                cancelled = true;
                return queue.remove(this);
            }
        }
    }

    /** A clock at t = 0 ({@link Instant#EPOCH}). */
    public VirtualClock() {
        this(Instant.EPOCH);
    }

    /** A clock at {@code origin}. */
    public VirtualClock(Instant origin) {
        this.origin = origin;
    }

    @Override
    public synchronized Instant now() {
        return origin.plusNanos(nowNanos);
    }

    @Override
    public synchronized long nanoTime() {
        return nowNanos;
    }

    /** Time since the clock's origin. */
    public synchronized Duration elapsed() {
        return Duration.ofNanos(nowNanos);
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay: " + delay + " (expected: >= 0)");
        }
        Task t = new Task(nowNanos + delay.toNanos(), sequence++, task);
        queue.add(t);
        return t;
    }

    /** Runs every task due now (including ones they schedule for now). */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /**
     * Moves time forward by {@code duration}, running every task that falls due on the way, each at its due time.
     *
     * @throws IllegalArgumentException when {@code duration} is negative
     */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: >= 0)");
        }
        long target;
        synchronized (this) {
            target = nowNanos + duration.toNanos();
        }
        while (true) {
            Task next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.dueNanos > target) {
                    nowNanos = target;
                    return;
                }
                queue.poll();
                nowNanos = next.dueNanos;
            }
            next.body.run(); // outside the lock: tasks schedule more tasks and take other locks
        }
    }

    /**
     * Advances, task by task, until {@code condition} holds or {@code limit} has passed; returns whether it holds.
     * Time stops at the instant the condition became true.
     */
    public boolean advanceUntil(java.util.function.BooleanSupplier condition, Duration limit) {
        long end;
        synchronized (this) {
            end = nowNanos + limit.toNanos();
        }
        runDue();
        while (!condition.getAsBoolean()) {
            long now;
            long next;
            synchronized (this) {
                now = nowNanos;
                Task t = queue.peek();
                next = t == null ? end : Math.min(end, t.dueNanos);
            }
            if (now >= end) {
                return false;
            }
            advance(Duration.ofNanos(next - now));
        }
        return true;
    }

    /** Tasks waiting to run. */
    public synchronized int pendingTasks() {
        return queue.size();
    }
}
