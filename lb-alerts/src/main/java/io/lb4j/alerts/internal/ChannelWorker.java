package io.lb4j.alerts.internal;

import io.lb4j.alerts.AlertChannel;
import io.lb4j.alerts.ChannelStatus;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One channel's deliveries: a bounded queue drained by one virtual thread (a slow SMTP server delays only its own
 * channel), failed attempts put back after a backoff timed by the dispatcher's clock, and the channel's record and
 * meters. Thread-safe.
 */
public final class ChannelWorker {

    private static final Logger LOG = LoggerFactory.getLogger("io.lb4j.alerts");
    /** Deliveries a channel may have waiting; more means it has been down for long: counted as failed, logged. */
    static final int QUEUE = 1_000;

    private record Delivery(Notice notice, int attempt) {
    }

    private final AlertChannel channel;
    private final Sender sender;
    private final TaskClock clock;
    private final int attempts;
    private final Duration firstRetry;
    private final Duration maxRetry;
    private final String host;
    private final BlockingQueue<Delivery> queue = new LinkedBlockingQueue<>(QUEUE);
    private final Set<Cancellable> retries = new HashSet<>(); // guarded by this
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    private final Counter sentMeter;
    private final Counter failedMeter;
    private final Counter suppressedMeter;
    private final Thread thread;
    private volatile Instant lastSent;
    private volatile Instant lastFailure;
    private volatile String lastError;
    private volatile boolean closed;
    private volatile boolean busy; // a delivery is being attempted

    public ChannelWorker(AlertChannel channel, Sender sender, TaskClock clock, int attempts, Duration firstRetry,
                         Duration maxRetry, MeterRegistry registry, String host) {
        this.channel = channel;
        this.sender = sender;
        this.clock = clock;
        this.attempts = attempts;
        this.firstRetry = firstRetry;
        this.maxRetry = maxRetry;
        this.host = host;
        this.sentMeter = counter(registry, "lb4j.alerts.sent", "Alerts and summaries delivered");
        this.failedMeter = counter(registry, "lb4j.alerts.failed", "Alert deliveries given up");
        this.suppressedMeter = counter(registry, "lb4j.alerts.suppressed", "Alerts folded into a summary");
        this.thread = Thread.ofVirtual().name("lb4j-alerts-" + channel.type()).start(this::run);
    }

    private Counter counter(MeterRegistry registry, String name, String description) {
        return registry == null ? null : Counter.builder(name).description(description)
                .tag("channel", channel.type()).register(registry);
    }

    /** Queues a delivery; a full queue counts it as failed. */
    public void submit(Notice notice) {
        if (closed) {
            return;
        }
        pending.incrementAndGet();
        if (!queue.offer(new Delivery(notice, 1))) {
            pending.decrementAndGet();
            gaveUp(notice, "the channel's queue is full (" + QUEUE + " deliveries waiting)");
        }
    }

    /** An alert the rate limit held for this channel. */
    public void suppressed() {
        if (suppressedMeter != null) {
            suppressedMeter.increment();
        }
        suppressed.incrementAndGet();
    }

    public ChannelStatus status() {
        return new ChannelStatus(channel.type(), channel.target(), sent.get(), failed.get(), suppressed.get(),
                pending.get(), Optional.ofNullable(lastSent), Optional.ofNullable(lastFailure),
                Optional.ofNullable(lastError));
    }

    private void run() {
        while (!closed) {
            Delivery d;
            try {
                d = queue.take();
            } catch (InterruptedException e) {
                return; // closed
            }
            busy = true;
            try {
                attempt(d);
            } finally {
                busy = false;
            }
        }
    }

    /**
     * Waits until nothing is queued or being attempted (retries waiting for their backoff do not count), or until
     * {@code deadlineNanos} ({@link System#nanoTime()}).
     */
    public void awaitIdle(long deadlineNanos) {
        while ((busy || !queue.isEmpty()) && System.nanoTime() - deadlineNanos < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }

    private void attempt(Delivery d) {
        String subject = d.notice().subject(host);
        try {
            sender.send(d.notice());
            // The meter before the status: whoever sees the status count sees the meter's too.
            if (sentMeter != null) {
                sentMeter.increment();
            }
            lastSent = clock.now();
            lastError = null;
            pending.decrementAndGet();
            sent.incrementAndGet();
            if (d.attempt() > 1) {
                LOG.info("alert {} delivered by {} {} at attempt {}", subject, channel.type(), channel.target(),
                        d.attempt());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closed mid-delivery
        } catch (Exception e) {
            if (closed) {
                return; // interrupted by close(): not a failure of the channel; counted as not made
            }
            String why = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
            lastFailure = clock.now();
            lastError = why;
            boolean retry = d.attempt() < attempts && !(channel instanceof io.lb4j.alerts.NotifyScript) && !closed;
            if (!retry) {
                pending.decrementAndGet();
                gaveUp(d.notice(), why + (d.attempt() > 1 ? " (attempt " + d.attempt() + " of " + attempts + ")" : ""));
                return;
            }
            Duration delay = backoff(d.attempt());
            LOG.warn("alert {}: {} {} failed (attempt {} of {}; retrying in {}): {}", subject, channel.type(),
                    channel.target(), d.attempt(), attempts, AlertText.human(delay), why);
            Delivery next = new Delivery(d.notice(), d.attempt() + 1);
            synchronized (this) {
                Cancellable[] task = new Cancellable[1];
                task[0] = clock.schedule(delay, () -> {
                    synchronized (this) {
                        retries.remove(task[0]);
                    }
                    if (!closed && !queue.offer(next)) {
                        pending.decrementAndGet();
                        gaveUp(next.notice(), "the channel's queue is full");
                    }
                });
                retries.add(task[0]);
            }
        }
    }

    private void gaveUp(Notice notice, String why) {
        if (failedMeter != null) {
            failedMeter.increment();
        }
        failed.incrementAndGet();
        LOG.error("alert {}: {} {} failed, giving up: {}", notice.subject(host), channel.type(), channel.target(),
                why);
    }

    /** {@code firstRetry * 2^(attempt-1)}, at most {@code maxRetry}. */
    Duration backoff(int attempt) {
        Duration d = firstRetry;
        for (int i = 1; i < attempt && d.compareTo(maxRetry) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxRetry) > 0 ? maxRetry : d;
    }

    /** Stops the thread and the retries; what was waiting is dropped (and logged). */
    public void close() {
        closed = true;
        synchronized (this) {
            retries.forEach(Cancellable::cancel);
            retries.clear();
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.close();
        int left = pending.get();
        if (left > 0) {
            LOG.warn("alerts: {} {} closed with {} deliveries not made", channel.type(), channel.target(), left);
        }
    }
}
