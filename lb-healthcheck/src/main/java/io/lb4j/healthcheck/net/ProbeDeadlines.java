package io.lb4j.healthcheck.net;

import io.netty.channel.EventLoop;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The connect deadlines of one check loop's bare probes, without a timer per probe: probes with the same timeout
 * expire in the order they started, so each distinct timeout is one first-in first-out queue with one Netty timer,
 * set for its oldest probe. Adding is an append; a probe that finishes first stays queued, inert, until its deadline
 * (its socket is long closed), so nothing is ever removed from the middle. At 10,000 checks a second this replaces
 * 10,000 timer insertions and cancellations with appends.
 *
 * <p>Loop thread only. Timeouts beyond {@value #MAX_QUEUES} distinct values (a misuse) get a Netty timer each.
 */
final class ProbeDeadlines {

    private static final int MAX_QUEUES = 16;

    private final EventLoop loop;
    private final Map<Long, Queue> queues = new HashMap<>();

    ProbeDeadlines(EventLoop loop) {
        this.loop = loop;
    }

    /** Runs {@code probe} (its timeout) once {@code timeout} has passed since now, unless it is done by then. */
    void add(EpollConnectProbe probe, Duration timeout) {
        long nanos = timeout.toNanos();
        Queue q = queues.get(nanos);
        if (q == null) {
            if (queues.size() >= MAX_QUEUES) {
                loop.schedule(probe, nanos, TimeUnit.NANOSECONDS);
                return;
            }
            q = new Queue();
            queues.put(nanos, q);
        }
        q.add(probe, System.nanoTime() + nanos);
    }

    /** One timeout's probes, oldest first, and the timer for the oldest. */
    private final class Queue implements Runnable {

        private final ArrayDeque<EpollConnectProbe> probes = new ArrayDeque<>();
        private boolean timerSet;

        void add(EpollConnectProbe probe, long deadline) {
            probe.deadlineNanos = deadline;
            probes.add(probe);
            if (!timerSet) {
                arm(deadline - System.nanoTime());
            }
        }

        private void arm(long delayNanos) {
            timerSet = true;
            loop.schedule(this, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        }

        @Override
        public void run() {
            timerSet = false;
            long now = System.nanoTime();
            EpollConnectProbe oldest;
            while ((oldest = probes.peekFirst()) != null && oldest.deadlineNanos - now <= 0) {
                probes.pollFirst().run(); // a no-op for a probe that is done
            }
            if (oldest != null) {
                arm(oldest.deadlineNanos - now);
            }
        }
    }
}
