package io.lb4j.engine.proxy;

import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/** A clock that moves only when a test calls {@link #advance}; due tasks run on the advancing thread, in order. */
final class ManualClock implements TaskClock {

    private record Task(long dueNanos, long seq, Runnable body) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.dueNanos != b.dueNanos
            ? Long.compare(a.dueNanos, b.dueNanos) : Long.compare(a.seq, b.seq));
    private long nanos;
    private long seq;

    @Override
    public synchronized Instant now() {
        return Instant.EPOCH.plusNanos(nanos);
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable body) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay: " + delay + " (expected: >= 0)");
        }
        Task t = new Task(nanos + delay.toNanos(), seq++, body);
        tasks.add(t);
        return () -> {
            synchronized (this) {
                return tasks.remove(t);
            }
        };
    }

    /** Tasks scheduled and not yet run or cancelled. */
    synchronized int pending() {
        return tasks.size();
    }

    /** Moves time forward by {@code step}, running every task that falls due on the way. */
    void advance(Duration step) {
        long target;
        synchronized (this) {
            target = nanos + step.toNanos();
        }
        while (true) {
            List<Runnable> due = new ArrayList<>();
            synchronized (this) {
                Task next = tasks.peek();
                if (next == null || next.dueNanos > target) {
                    nanos = target;
                    return;
                }
                tasks.poll();
                nanos = Math.max(nanos, next.dueNanos);
                due.add(next.body);
            }
            due.forEach(Runnable::run);
        }
    }
}
