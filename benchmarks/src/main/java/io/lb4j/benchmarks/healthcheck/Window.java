package io.lb4j.benchmarks.healthcheck;

import java.util.concurrent.atomic.AtomicLong;

/** The measured window of one lb4j run and what was recorded in it. */
final class Window {

    volatile long startNanos = Long.MAX_VALUE;
    volatile long endNanos = Long.MAX_VALUE;
    final Samples lateness;
    final Samples duration;
    final AtomicLong started = new AtomicLong();
    final AtomicLong results = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    volatile String firstFailure;

    Window(int capacity) {
        lateness = new Samples(capacity);
        duration = new Samples(capacity);
    }

    boolean contains(long nanos) {
        return nanos >= startNanos && nanos < endNanos;
    }
}
