package io.lb4j.ha.vip;

import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What every {@link VipOwner} that announces its addresses shares: on acquire, take the addresses and send a burst of
 * gratuitous ARPs (for IPv6 addresses: unsolicited Neighbour Advertisements), then a second burst a few seconds
 * later (keepalived's {@code vrrp_garp_master_repeat} and {@code vrrp_garp_master_delay}), so switches and clients
 * that missed the first still move; on release, cancel the pending burst before giving the addresses up. Everything runs under the owner's monitor, so a repeat burst can
 * never go out after the release that cancelled it.
 */
abstract class AnnouncingVipOwner implements VipOwner {

    private static final Logger LOG = LoggerFactory.getLogger(AnnouncingVipOwner.class);

    private final int burst;
    private final Duration repeatAfter;
    private final TaskClock clock;
    private final boolean ownsClock;
    private Cancellable repeat;
    private boolean closed;

    AnnouncingVipOwner(BurstSettings<?> settings) {
        this.burst = settings.burst;
        this.repeatAfter = settings.repeatAfter;
        this.ownsClock = settings.clock == null;
        this.clock = settings.clock != null ? settings.clock : TaskClock.system();
    }

    /**
     * The announcement settings both owners' builders share; defaults: 5 gratuitous ARPs per address, repeated after
     * 5 s, on a system clock the owner owns.
     *
     * @param <B> the owner's builder, returned by every setter
     */
    abstract static class BurstSettings<B extends BurstSettings<B>> {
        private int burst = 5;
        private Duration repeatAfter = Duration.ofSeconds(5);
        private TaskClock clock;

        abstract B self();

        /**
         * Gratuitous ARPs (IPv6: Neighbour Advertisements) per address per burst (1-100, default 5) and the delay
         * of the second burst (0 = none, at most 1 hour; default 5 s).
         */
        public B gratuitousArps(int burst, Duration repeatAfter) {
            if (burst < 1 || burst > 100) {
                throw new IllegalArgumentException("burst: " + burst + " (expected: 1-100)");
            }
            Objects.requireNonNull(repeatAfter, "repeatAfter");
            if (repeatAfter.isNegative() || repeatAfter.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("repeatAfter: " + repeatAfter + " (expected: 0 to 1 hour)");
            }
            this.burst = burst;
            this.repeatAfter = repeatAfter;
            return self();
        }

        /** The clock for the repeat burst; default a system clock owned by the owner. */
        public B clock(TaskClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return self();
        }
    }

    /** Makes this node answer for {@code addresses}; throws {@link java.io.UncheckedIOException} when it cannot. */
    abstract void take(List<InetAddress> addresses);

    /** Stops answering for {@code addresses}; logs, never throws. */
    abstract void give(List<InetAddress> addresses);

    /** Sends one gratuitous ARP (IPv6: unsolicited Neighbour Advertisement) per address; logs, never throws. */
    abstract void announceOnce(List<InetAddress> addresses);

    /** Releases the owner's own sockets; called once, by {@link #close()}. */
    void closeResources() {
    }

    @Override
    public final synchronized void acquire(List<InetAddress> addresses) {
        take(addresses);
        announce(addresses);
        cancelRepeat();
        if (!repeatAfter.isZero() && !closed) {
            repeat = clock.schedule(repeatAfter, () -> repeatBurst(addresses));
        }
    }

    private synchronized void repeatBurst(List<InetAddress> addresses) {
        if (repeat == null || closed) {
            return; // released (or closed) since: this node no longer answers for them
        }
        repeat = null;
        announce(addresses);
    }

    private void announce(List<InetAddress> addresses) {
        for (int i = 0; i < burst; i++) {
            announceOnce(addresses);
        }
    }

    private void cancelRepeat() {
        if (repeat != null) {
            repeat.cancel();
            repeat = null;
        }
    }

    @Override
    public final synchronized void release(List<InetAddress> addresses) {
        cancelRepeat();
        give(addresses);
    }

    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        cancelRepeat();
        closeResources();
        if (ownsClock && clock instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing the VIP owner clock failed", e);
            }
        }
    }
}
