package io.lb4j.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The deadline of the phase an exchange is in (reading the request's headers, reading its body, writing the
 * answer): when it passes, the exchange's thread is interrupted. The thread is blocked on the connection's socket
 * channel then, and interrupting a thread blocked on an interruptible channel closes the channel
 * ({@code ClosedByInterruptException}): the connection ends and the thread is free. That is how a client that sends
 * or reads one byte a minute is cut off without a timer per read. Between phases (the handler computing an answer,
 * an event stream waiting for the next event) nothing is armed, so no interrupt can hit work that must not be cut.
 * Thread-safe.
 */
final class Deadline {

    private static final Logger LOG = LoggerFactory.getLogger(Deadline.class);

    /** For code that runs outside the admin server's executor (tests calling a handler directly): never fires. */
    static final Deadline NONE = new Deadline(null, null);

    private final Thread thread;
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> pending;
    /** Bumped by every arm and disarm, so that a timer that fires late for an earlier phase does nothing. */
    private long phase;

    Deadline(Thread thread, ScheduledExecutorService timer) {
        this.thread = thread;
        this.timer = timer;
    }

    /** Starts {@code what}'s deadline, replacing the current one. */
    synchronized void arm(Duration timeout, String what) {
        if (thread == null) {
            return;
        }
        cancel();
        long armed = ++phase;
        try {
            pending = timer.schedule(() -> expire(armed, timeout, what), timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The server is stopping: its executor interrupts every exchange anyway.
        }
    }

    /** Ends the current phase in time. */
    synchronized void disarm() {
        cancel();
        phase++;
    }

    private void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private synchronized void expire(long armed, Duration timeout, String what) {
        if (armed != phase) {
            return;
        }
        pending = null;
        phase++;
        LOG.debug("admin connection closed: {} took longer than {}", what, timeout);
        thread.interrupt();
    }
}
