package io.lb4j.ha.internal;

import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.ha.peer.PeerState;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The connecting end of a replication channel: connects to the peer, runs a session on the connection until it
 * ends, and tries again after the {@link Backoff} delay, timed by the channel's clock. A failed connect or a lost
 * connection is {@link PeerState#UNREACHABLE}; a session that knows better (the peer refused our frames, holds a
 * newer version) throws {@link PeerException} with that state. The schedule starts again after a session that
 * reached {@link PeerState#OK}. Runs on the thread that calls {@link #run}; {@link #close()} from any thread.
 */
public final class Reconnector {

    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    private static final long IDLE_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** Runs one connection; returns or throws when it ended. */
    @FunctionalInterface
    public interface Session {
        void run(Socket socket) throws IOException;
    }

    /** A session's end that names the peer's state, for the health view. */
    public static final class PeerException extends IOException {
        private final PeerState state;

        public PeerException(PeerState state, String message) {
            super(message);
            this.state = state;
        }

        public PeerState state() {
            return state;
        }
    }

    private final InetSocketAddress peer;
    private final InetAddress local; // null: the kernel picks the source address
    private final TaskClock clock;
    private final PeerHealth health;
    private final Backoff backoff = new Backoff();
    private volatile boolean closed;
    private volatile boolean due;
    private volatile Socket socket;
    private volatile Thread runner;
    private long failures;

    public Reconnector(InetSocketAddress peer, TaskClock clock, PeerHealth health) {
        this(peer, null, clock, health);
    }

    /**
     * Connects from {@code local} (any port), so that a peer accepting only known addresses sees this node's own
     * address whichever route the kernel takes; null or a wildcard address lets the kernel pick.
     */
    public Reconnector(InetSocketAddress peer, InetAddress local, TaskClock clock, PeerHealth health) {
        this.peer = peer;
        this.local = local == null || local.isAnyLocalAddress() ? null : local;
        this.clock = clock;
        this.health = health;
    }

    /** Failed connects and lost connections since start. */
    public synchronized long failures() {
        return failures;
    }

    /**
     * Connects and reconnects until {@link #close()}. While it waits for the next attempt it calls
     * {@code whileWaiting} about every 10 ms (flow sync drains its journal there).
     */
    public void run(Session session, Runnable whileWaiting) {
        runner = Thread.currentThread();
        while (!closed) {
            try (Socket s = new Socket()) {
                socket = s;
                if (closed) {
                    return;
                }
                if (local != null) {
                    s.bind(new InetSocketAddress(local, 0));
                }
                s.connect(peer, CONNECT_TIMEOUT_MILLIS);
                s.setTcpNoDelay(true);
                session.run(s);
                if (!closed) {
                    failed(PeerState.UNREACHABLE, "the connection to " + PeerHealth.text(peer) + " was closed by the peer");
                }
            } catch (PeerException e) {
                if (!closed) {
                    failed(e.state(), e.getMessage());
                }
            } catch (IOException e) {
                if (!closed) {
                    failed(PeerState.UNREACHABLE, "connection to " + PeerHealth.text(peer) + ": " + e);
                }
            } finally {
                socket = null;
            }
            awaitNextAttempt(backoff.next(), whileWaiting);
        }
    }

    private void failed(PeerState state, String detail) {
        if (health.status().state() == PeerState.OK) {
            backoff.reset(); // the session worked before it failed: a new outage, the schedule starts again
        }
        health.report(state, detail);
        // Counted after the report, so whoever sees the count sees the state that failure left.
        synchronized (this) {
            failures++;
        }
    }

    private void awaitNextAttempt(Duration delay, Runnable whileWaiting) {
        due = false;
        Thread me = Thread.currentThread();
        Cancellable wake = clock.schedule(delay, () -> {
            due = true;
            LockSupport.unpark(me);
        });
        try {
            while (!due && !closed) {
                whileWaiting.run();
                LockSupport.parkNanos(IDLE_STEP_NANOS);
            }
        } finally {
            wake.cancel();
        }
    }

    /** Ends the connection and the loop. Idempotent. */
    public void close() {
        closed = true;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        Thread t = runner;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
