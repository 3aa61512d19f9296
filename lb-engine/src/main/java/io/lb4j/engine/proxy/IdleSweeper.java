package io.lb4j.engine.proxy;

import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import io.netty.channel.EventLoop;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The idle timeouts of one event loop's TCP connections, checked by one periodic pass over them rather than by a
 * timer per connection; the same pass sets the backend sockets' keepalive, which waits for it ({@link TcpFlow}). A timer per connection cost two hand-offs to the clock's thread per connection (schedule at
 * connect, cancel at close), each a wake-up of that thread: about 6% of the proxy's CPU on short connections
 * ({@code benchmarks/proxy-vs-haproxy.sh}, new-connection row), where this costs one hand-off per pass.
 *
 * <p>A pass runs every tenth of the shortest timeout among the tracked connections, at most every
 * {@value #MAX_PERIOD_SECONDS} s apart, so expiry is never early and at most that period late: 10 s on the 30-minute
 * defaults. The pass is scheduled while any connection is tracked and cancelled when the last one leaves, so the
 * clock holds nothing for an engine without connections.
 *
 * <p>Confined to its event loop: {@link #track}, {@link #untrack} and the pass run there; only the clock's tick runs
 * elsewhere, and it hops onto the loop.
 */
final class IdleSweeper {

    static final long MAX_PERIOD_SECONDS = 10;
    private static final long MAX_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(MAX_PERIOD_SECONDS);
    private static final long MIN_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int PASSES_PER_TIMEOUT = 10;

    private final EventLoop loop;
    private final TaskClock clock;
    private TcpFlow head;
    private Cancellable pass;
    private long passDueAt;
    private long periodNanos;

    IdleSweeper(EventLoop loop, TaskClock clock) {
        this.loop = loop;
        this.clock = clock;
    }

    /**
     * Starts checking {@code pair}, whose shortest timeout (or keepalive idle time, for a keepalive still to set) is
     * {@code shortestTimeoutNanos} (> 0). On the loop.
     */
    void track(TcpFlow pair, long shortestTimeoutNanos) {
        pair.sweepPrev = null;
        pair.sweepNext = head;
        if (head != null) {
            head.sweepPrev = pair;
        }
        head = pair;
        long period = period(shortestTimeoutNanos);
        long now = clock.nanoTime();
        if (pass == null || now + period < passDueAt) {
            if (pass != null) {
                pass.cancel(); // a shorter timeout than any tracked so far: the next pass must come sooner
            }
            schedule(period, now);
        }
    }

    /** Stops checking {@code pair}; the last one out cancels the pending pass. On the loop. Idempotent. */
    void untrack(TcpFlow pair) {
        if (pair.sweepPrev == null && head != pair) {
            return; // not tracked
        }
        if (pair.sweepPrev != null) {
            pair.sweepPrev.sweepNext = pair.sweepNext;
        } else {
            head = pair.sweepNext;
        }
        if (pair.sweepNext != null) {
            pair.sweepNext.sweepPrev = pair.sweepPrev;
        }
        pair.sweepPrev = null;
        pair.sweepNext = null;
        if (head == null && pass != null) {
            pass.cancel();
            pass = null;
        }
    }

    private static long period(long timeoutNanos) {
        return Math.max(MIN_PERIOD_NANOS, Math.min(MAX_PERIOD_NANOS, timeoutNanos / PASSES_PER_TIMEOUT));
    }

    private void schedule(long period, long now) {
        periodNanos = period;
        passDueAt = now + period;
        try {
            pass = clock.schedule(Duration.ofNanos(period), this::due);
        } catch (RejectedExecutionException e) {
            // The balancer's clock is closed: the balancer is stopping, and the engine closes every connection.
            pass = null;
        }
    }

    /** On the clock's thread: hop onto the loop. */
    private void due() {
        try {
            loop.execute(this::sweep);
        } catch (RejectedExecutionException e) {
            // The loop is shutting down and closes its channels itself.
        }
    }

    private void sweep() {
        pass = null;
        long now = clock.nanoTime();
        long shortest = Long.MAX_VALUE;
        for (TcpFlow p = head; p != null; ) {
            TcpFlow next = p.sweepNext; // checkIdle may close p, which untracks it later, never this one's next
            shortest = Math.min(shortest, p.checkIdle(now));
            p = next;
        }
        if (head != null && pass == null) {
            schedule(shortest == Long.MAX_VALUE ? periodNanos : period(shortest), now);
        }
    }
}
