package io.lb4j.ha.internal;

import io.lb4j.api.event.Subscription;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.ha.peer.PeerChannel;
import io.lb4j.ha.peer.PeerState;
import io.lb4j.ha.peer.PeerStateChanged;
import io.lb4j.ha.peer.PeerStatus;
import org.slf4j.Logger;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One channel's view of the peer: the state, since when and why, and the listeners told of each change. A change
 * into an error state is logged at WARN and a recovery at INFO, once per change (a peer that stays unreachable
 * through a hundred retries is one WARN, and its state on the admin page, not a hundred lines). Listeners run on the
 * reporting thread, outside any lock, in order. Optionally a watchdog: a channel that hears nothing authentic for
 * longer than the silence limit becomes {@link PeerState#UNREACHABLE}. Thread-safe.
 */
public final class PeerHealth implements AutoCloseable {

    private final PeerChannel channel;
    private final String peer;
    private final TaskClock clock;
    private final Logger log;
    private final List<Consumer<? super PeerStateChanged>> listeners = new CopyOnWriteArrayList<>();
    // Guarded by this.
    private PeerStatus status;
    private long lastHeardNanos;
    private Cancellable watchdog;
    private boolean closed;

    public PeerHealth(PeerChannel channel, String peer, TaskClock clock, Logger log) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.peer = Objects.requireNonNull(peer, "peer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.log = Objects.requireNonNull(log, "log");
        this.status = new PeerStatus(channel, peer, PeerState.STARTING, clock.now(), "started");
        this.lastHeardNanos = clock.nanoTime();
    }

    /** An address as the health view writes it: {@code 10.0.0.2:7790} or {@code [fd00::2]:7790}, without a host name. */
    public static String text(InetSocketAddress address) {
        return address.getAddress() != null ? Addresses.hostPort(address.getAddress(), address.getPort())
                : address.getHostString() + ":" + address.getPort();
    }

    /** The state now. */
    public synchronized PeerStatus status() {
        return status;
    }

    /** Registers a listener for every change from now on. */
    public Subscription subscribe(Consumer<? super PeerStateChanged> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Records {@code state} with {@code detail}. A change is logged and published; the same state again only
     * updates the detail (the latest error is what the operator reads).
     */
    public void report(PeerState state, String detail) {
        PeerStateChanged event;
        synchronized (this) {
            if (closed) {
                return;
            }
            PeerStatus before = status;
            if (before.state() == state) {
                status = new PeerStatus(channel, peer, state, before.since(), detail);
                return;
            }
            status = new PeerStatus(channel, peer, state, clock.now(), detail);
            event = new PeerStateChanged(status.since(), channel, before.state(), state, detail);
        }
        if (state != PeerState.OK && state != PeerState.STARTING) {
            log.warn("{} {}: {} -> {}: {}", channel, peer, event.from(), event.to(), detail);
        } else {
            log.info("{} {}: {} -> {}: {}", channel, peer, event.from(), event.to(), detail);
        }
        for (Consumer<? super PeerStateChanged> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                log.error("{}: a peer state listener failed on {}", channel, event, e);
            }
        }
    }

    /**
     * An authentic frame arrived: restarts the silence clock ({@link #alive()}), and ends
     * {@link PeerState#UNREACHABLE}, {@link PeerState#REFUSING} (whoever sent the refused frame is gone or fixed)
     * and {@link PeerState#STARTING}. It does not end STALE or INVALID: those are about what the peer sends, and
     * end only when a version goes through.
     */
    public void heard(String detail) {
        alive();
        PeerState now = status().state();
        if (now == PeerState.UNREACHABLE || now == PeerState.REFUSING || now == PeerState.STARTING) {
            report(PeerState.OK, detail);
        }
    }

    /** An authentic frame arrived: restarts the silence clock only. */
    public synchronized void alive() {
        lastHeardNanos = clock.nanoTime();
    }

    /**
     * Starts the watchdog: every {@code limit}, a channel that heard nothing authentic for {@code limit} or longer
     * is reported {@link PeerState#UNREACHABLE} with {@code what} in its detail.
     */
    public synchronized void watch(Duration limit, String what) {
        watchdog = clock.schedule(limit, () -> checkSilence(limit, what));
    }

    private void checkSilence(Duration limit, String what) {
        long silentNanos;
        synchronized (this) {
            if (closed) {
                return;
            }
            silentNanos = clock.nanoTime() - lastHeardNanos;
            watchdog = clock.schedule(limit, () -> checkSilence(limit, what));
        }
        if (silentNanos >= limit.toNanos()) {
            report(PeerState.UNREACHABLE, what + " for " + Duration.ofNanos(silentNanos).toMillis() + " ms");
        }
    }

    /** Stops the watchdog and further reports. */
    @Override
    public synchronized void close() {
        closed = true;
        if (watchdog != null) {
            watchdog.cancel();
        }
    }
}
