package io.lb4j.ha.vrrp;

import io.lb4j.api.internal.Addresses;
import io.lb4j.ha.vip.VipOwner;

import io.lb4j.api.event.Subscription;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.ha.vrrp.event.HaEvent;
import io.lb4j.ha.vrrp.event.MasterAdvertIntervalChanged;
import io.lb4j.ha.vrrp.event.StateChanged;
import io.lb4j.ha.vrrp.event.TransitionReason;
import io.lb4j.ha.vrrp.internal.RawSocketTransport;
import io.lb4j.ha.vrrp.internal.VrrpAdvert;
import io.lb4j.ha.vrrp.internal.VrrpCodec;
import io.lb4j.ha.vrrp.spi.VrrpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * One VRRPv3 virtual router (RFC 5798) over IPv4 or IPv6 that interoperates with keepalived ({@code vrrp_version 3}).
 *
 * <pre>{@code
 * VrrpInstance vrrp = VrrpInstance.builder()
 *     .vrid(51).priority(150).advertInterval(Duration.ofSeconds(1))
 *     .virtualAddress("192.168.100.100")
 *     .networkInterface("eth0")
 *     .build();
 * vrrp.subscribe(e -> log.info("{}", e));
 * vrrp.start();
 * }</pre>
 *
 * <p>The family of the virtual addresses is the instance's: an IPv4 instance advertises to 224.0.0.18 from the
 * interface's primary IPv4 address; an IPv6 instance advertises to ff02::12 from the interface's link-local address
 * with hop limit 255, its checksum over the IPv6 pseudo-header (RFC 5798 5.1.2, 5.2.8). An IPv4 and an IPv6 instance
 * may run side by side on one interface, even with the same VRID: they use separate sockets, and RFC 5798 gives each
 * family its own VRID space.
 *
 * <p>What it guarantees (times by the instance's {@link TaskClock}; Master_Adver_Interval is the master's interval
 * as learned from its adverts, or our own before any advert):
 * <ul>
 *   <li>Started with priority 255 (address owner) it is master at once; otherwise it is backup and becomes master
 *       exactly Master_Down_Interval = 3 &times; Master_Adver_Interval + Skew_Time after the last accepted advert
 *       (or after start), Skew_Time = (256 &minus; priority) &times; Master_Adver_Interval / 256.</li>
 *   <li>A master that stops gracefully sends a priority-0 advert; a backup receiving it takes over after Skew_Time.</li>
 *   <li>Preemption (default on): a backup ignores adverts of a lower priority, so it takes over from a lower-priority
 *       master after Master_Down_Interval; with {@link Builder#preemptDelay} it accepts them as a master's adverts
 *       until that delay has passed since start or since it last saw a higher-priority advert (keepalived's
 *       {@code preempt_delay}). With {@code preempt(false)} (keepalived's {@code nopreempt}) a backup accepts any
 *       master's adverts and never takes over from a live master.</li>
 *   <li>A master yields to a higher priority, and to an equal priority from a higher primary address; seeing a
 *       lower-priority master it sends an advert at once (as keepalived does) so that master yields without waiting
 *       for our next interval.</li>
 *   <li>Received packets must be protocol 112 of the instance's family with TTL (IPv6: hop limit) 255 (any, from a
 *       configured unicast peer), version 3,
 *       type 1, a valid checksum (per {@link ChecksumMode} for IPv4; over the IPv6 pseudo-header for IPv6) and
 *       consistent lengths; anything else is counted by {@link DropReason} in
 *       {@link #stats()} and dropped. No packet can throw out of the receive path or change state unless valid.</li>
 *   <li>An advert whose virtual-address list differs from ours is dropped ({@link DropReason#ADDRESS_MISMATCH})
 *       unless it comes from the address owner (priority 255), as RFC 5798 7.1 requires.</li>
 *   <li>A learned Master_Adver_Interval is bounded by {@link Builder#maxLearnedAdvertInterval} (default 10 times our
 *       own interval): one forged advert carrying 40.95 s cannot make a backup wait two minutes, or a master that
 *       yields learn it.</li>
 *   <li>Out-of-turn adverts (the answer to a priority-0 advert, or to a lower-priority master) go out at most once
 *       per advert interval; the others are counted ({@link VrrpStats#rateLimitedReplies()}), so a flood of
 *       forged adverts cannot make this router flood the segment.</li>
 *   <li>Every transition is a {@link StateChanged} event with its {@link TransitionReason}.</li>
 * </ul>
 *
 * <p>Thread-safe: packets, timers and {@link #stop()} are serialized on the instance. Listeners run synchronously
 * on that serialized path, in event order, and must return quickly (a {@link VipOwner} adding an address through
 * rtnetlink qualifies).
 */
public final class VrrpInstance implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(VrrpInstance.class);
    /** 224.0.0.18, the IANA group for IPv4 VRRP. */
    public static final Inet4Address MULTICAST_GROUP = (Inet4Address) InetAddress.ofLiteral("224.0.0.18");
    /** ff02::12, the IANA group for IPv6 VRRP. */
    public static final Inet6Address MULTICAST_GROUP_IPV6 = (Inet6Address) InetAddress.ofLiteral("ff02::12");
    private static final int HISTORY = 1_000;
    private static final long CENTI_NANOS = 10_000_000L;
    private static final Duration LINK_CHECK = Duration.ofMillis(100);

    private final int vrid;
    private final int priority;
    private final int advertCentis;
    private final int maxLearnedCentis;
    private final List<InetAddress> virtualAddresses;
    private final InetAddress group;
    private final String interfaceName;
    private final boolean preempt;
    private final Duration preemptDelay;
    private final ChecksumMode checksumMode;
    private final List<InetAddress> unicastPeers;
    private final TaskClock clock;
    private final boolean ownsClock;
    private final VrrpTransport configuredTransport;

    private final List<Consumer<? super HaEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<HaEvent> history = new ArrayDeque<>();

    // Guarded by this.
    private VrrpTransport transport;
    private InetAddress primary;
    private VrrpState state = VrrpState.INITIALIZE;
    private boolean stopped;
    private int masterAdverCentis;
    private Cancellable downTimer;
    private Cancellable adverTimer;
    private Cancellable linkTimer;
    private long nextAdvertNanos;
    private long preemptDeadlineNanos;
    private boolean lowerPrioritySeen;
    private InetAddress resignedBy;
    private long advertsSent;
    private long advertsAccepted;
    private long addressMismatches;
    private long clampedIntervals;
    private long rateLimitedReplies;
    private boolean repliedOutOfTurn;
    private long lastOutOfTurnNanos;
    private long sendFailures;
    private final EnumMap<DropReason, Long> dropped = new EnumMap<>(DropReason.class);

    private VrrpInstance(Builder b) {
        this.vrid = b.vrid;
        this.priority = b.priority;
        this.advertCentis = (int) (b.advertInterval.toMillis() / 10);
        this.maxLearnedCentis = b.maxLearnedAdvertInterval != null ? (int) (b.maxLearnedAdvertInterval.toMillis() / 10)
                : Math.min(10 * advertCentis, VrrpCodec.MAX_INTERVAL_CENTIS);
        this.virtualAddresses = List.copyOf(b.virtualAddresses);
        this.group = ipv6() ? MULTICAST_GROUP_IPV6 : MULTICAST_GROUP;
        this.interfaceName = b.interfaceName;
        this.preempt = b.preempt;
        this.preemptDelay = b.preemptDelay;
        this.checksumMode = b.checksumMode;
        this.unicastPeers = List.copyOf(b.unicastPeers);
        this.ownsClock = b.clock == null;
        this.clock = b.clock != null ? b.clock : TaskClock.system();
        this.configuredTransport = b.transport;
        this.masterAdverCentis = advertCentis;
    }

    /** A builder; {@code vrid}, {@code priority}, a virtual address and an interface (or transport) are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the transport (the raw socket on the interface, unless one was given) and enters the VRRP state
     * machine: master at once with priority 255, backup otherwise.
     *
     * @throws IllegalStateException when already started or stopped
     * @throws UncheckedIOException  when the socket cannot be opened (needs CAP_NET_RAW); nothing stays open
     */
    public synchronized void start() {
        if (stopped || state != VrrpState.INITIALIZE || transport != null) {
            throw new IllegalStateException("VRRP instance " + vrid + " already " + (stopped ? "stopped" : "started")
                    + " (expected: start() once)");
        }
        VrrpTransport t = configuredTransport;
        try {
            if (t == null) {
                t = RawSocketTransport.open(interfaceName, unicastPeers.isEmpty(), ipv6());
            }
            primary = t.primaryAddress();
            if (primary.getAddress().length != virtualAddresses.getFirst().getAddress().length) {
                throw new IOException("the transport's primary address " + Addresses.text(primary) + " is not of"
                        + " the virtual addresses' family (expected: an " + (ipv6() ? "IPv6" : "IPv4") + " address)");
            }
            transport = t;
            t.start(this::onPacket);
        } catch (IOException e) {
            if (t != null) {
                t.close();
            }
            transport = null;
            throw new UncheckedIOException("VRRP instance " + vrid + " could not start on " + interfaceName, e);
        }
        // The first takeover must not wait for class loading and first-time code: run the advert encoder once now.
        VrrpCodec.encode(new VrrpAdvert(vrid, priority, advertCentis, virtualAddresses), primary, group,
                checksumMode);
        if (priority == 255) {
            becomeMaster(TransitionReason.STARTUP_ADDRESS_OWNER, null);
        } else {
            masterAdverCentis = advertCentis;
            preemptDeadlineNanos = clock.nanoTime() + preemptDelay.toNanos();
            enterBackup(TransitionReason.STARTUP, null, masterDownNanos());
        }
        scheduleLinkCheck();
    }

    // The link is polled rather than watched through netlink: one ioctl per 100 ms, and a FAULT is entered at most
    // 100 ms after the carrier went (the peer needs Master_Down_Interval to notice anyway).
    private void scheduleLinkCheck() {
        linkTimer = clock.schedule(LINK_CHECK, this::checkLink);
    }

    private synchronized void checkLink() {
        if (stopped) {
            return;
        }
        boolean up = transport.linkUp();
        if (!up && (state == VrrpState.BACKUP || state == VrrpState.MASTER)) {
            cancelTimers();
            transition(VrrpState.FAULT, TransitionReason.LINK_DOWN, null);
        } else if (up && state == VrrpState.FAULT) {
            if (priority == 255) {
                becomeMaster(TransitionReason.LINK_UP, null);
            } else {
                masterAdverCentis = advertCentis;
                enterBackup(TransitionReason.LINK_UP, null, masterDownNanos());
            }
        }
        scheduleLinkCheck();
    }

    /**
     * Leaves the virtual router gracefully: a master sends a priority-0 advert (so the backup takes over after
     * Skew_Time instead of Master_Down_Interval) and gives up its addresses; then the transport is closed. Final:
     * the instance cannot be started again. Idempotent.
     */
    public void stop() {
        VrrpTransport t;
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            cancelTimers();
            if (linkTimer != null) {
                linkTimer.cancel();
                linkTimer = null;
            }
            if (state == VrrpState.MASTER) {
                sendAdvert(0);
            }
            if (state != VrrpState.INITIALIZE) {
                transition(VrrpState.INITIALIZE, TransitionReason.SHUTDOWN, null);
            }
            t = transport;
        }
        // Outside the lock: closing joins the receive thread, which may be waiting for this lock with a packet.
        if (t != null) {
            t.close();
        }
        if (ownsClock && clock instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing the VRRP clock failed", e);
            }
        }
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** The current state. */
    public synchronized VrrpState state() {
        return state;
    }

    /** The virtual router id. */
    public int vrid() {
        return vrid;
    }

    /** This router's configured priority. */
    public int priority() {
        return priority;
    }

    /** The virtual addresses, in configured order; all IPv4 or all IPv6. */
    public List<InetAddress> virtualAddresses() {
        return virtualAddresses;
    }

    /** Whether this is an IPv6 instance (its virtual addresses are IPv6; adverts go to ff02::12). */
    public boolean ipv6() {
        return virtualAddresses.getFirst() instanceof Inet6Address;
    }

    /** The interface name given to the builder, or null when only a transport was given. */
    public String interfaceName() {
        return interfaceName;
    }

    /** Our own advert interval. */
    public Duration advertInterval() {
        return Duration.ofNanos(advertCentis * CENTI_NANOS);
    }

    /** The longest Master_Adver_Interval this instance learns from an advert; longer ones are cut to it. */
    public Duration maxLearnedAdvertInterval() {
        return Duration.ofNanos(maxLearnedCentis * CENTI_NANOS);
    }

    /** The master's advert interval as last learned (our own before any advert arrived). */
    public synchronized Duration masterAdvertInterval() {
        return Duration.ofNanos(masterAdverCentis * CENTI_NANOS);
    }

    /** 3 &times; Master_Adver_Interval + Skew_Time for this router's priority. */
    public synchronized Duration masterDownInterval() {
        return Duration.ofNanos(masterDownNanos());
    }

    /** (256 &minus; priority) &times; Master_Adver_Interval / 256. */
    public synchronized Duration skewTime() {
        return Duration.ofNanos(skewNanos());
    }

    /** A snapshot of the counters. */
    public synchronized VrrpStats stats() {
        EnumMap<DropReason, Long> copy = new EnumMap<>(dropped);
        return new VrrpStats(advertsSent, advertsAccepted, addressMismatches, clampedIntervals, rateLimitedReplies,
                copy);
    }

    /** Adverts the transport refused to send (interface down, no route). */
    public synchronized long sendFailures() {
        return sendFailures;
    }

    /** The most recent events, oldest first (at most the last 1,000). */
    public synchronized List<HaEvent> history() {
        return List.copyOf(history);
    }

    /**
     * Registers a listener for every event from now on; called synchronously, in order, on the instance's
     * serialized path. A listener that throws is logged and does not stop delivery to the others.
     */
    public Subscription subscribe(Consumer<? super HaEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    // ---- state machine (all under this) ----

    private long skewNanos() {
        return (256L - priority) * masterAdverCentis * CENTI_NANOS / 256;
    }

    private long masterDownNanos() {
        return 3L * masterAdverCentis * CENTI_NANOS + skewNanos();
    }

    private void onPacket(byte[] packet, int length) {
        try {
            receive(packet, length);
        } catch (RuntimeException e) {
            // A bug must not kill the receive thread and with it the pair; the packet is counted as malformed.
            LOG.error("VRRP instance {}: advert handling failed", vrid, e);
            synchronized (this) {
                drop(DropReason.MALFORMED);
            }
        }
    }

    private synchronized void receive(byte[] packet, int length) {
        if (state == VrrpState.INITIALIZE || state == VrrpState.FAULT) {
            return; // stopped, not yet started, or no link: the state machine takes no input
        }
        VrrpCodec.Decoded d = VrrpCodec.decode(packet, length, checksumMode);
        if (d.dropped() != null) {
            drop(d.dropped());
            return;
        }
        VrrpCodec.Received r = d.received();
        VrrpAdvert advert = r.advert();
        if (r.source().getClass() != primary.getClass()) {
            drop(DropReason.NOT_VRRP); // the other family's advert: its VRIDs are another space (RFC 5798 5.2.3)
            return;
        }
        // TTL or hop limit 255 (RFC 5798 7.1), for IPv4 and IPv6 alike; not for unicast peers, as keepalived: the peer
        // list authenticates the source, a unicast advert may cross a router, and keepalived sends IPv6 unicast
        // adverts with the kernel's default hop limit.
        if (r.ttl() != 255 && unicastPeers.isEmpty()) {
            drop(DropReason.BAD_TTL);
            return;
        }
        if (advert.vrid() != vrid) {
            drop(DropReason.OTHER_VRID);
            return;
        }
        if (r.source().equals(primary)) {
            drop(DropReason.OWN_ADVERT);
            return;
        }
        if (!unicastPeers.isEmpty() && !unicastPeers.contains(r.source())) {
            drop(DropReason.UNKNOWN_PEER);
            return;
        }
        if (!Set.copyOf(advert.addresses()).equals(Set.copyOf(virtualAddresses))) {
            // RFC 5798 7.1: a misconfiguration (or a forgery) to report; only the address owner's advert is used.
            boolean owner = advert.priority() == 255;
            long seen = owner ? addressMismatches++ : dropped.getOrDefault(DropReason.ADDRESS_MISMATCH, 0L);
            if (seen == 0) {
                LOG.warn("VRRP instance {}: {} advertises {} but we have {} (misconfiguration; {})", vrid,
                        Addresses.text(r.source()), advert.addresses(), virtualAddresses,
                        owner ? "used: priority 255, the address owner" : "advert dropped");
            }
            if (!owner) {
                drop(DropReason.ADDRESS_MISMATCH);
                return;
            }
        }
        advertsAccepted++;
        switch (state) {
            case BACKUP -> backupReceived(advert, r.source());
            case MASTER -> masterReceived(advert, r.source());
            case INITIALIZE, FAULT -> { }
        }
    }

    private void backupReceived(VrrpAdvert advert, InetAddress source) {
        int p = advert.priority();
        long now = clock.nanoTime();
        if (p == 0) {
            // RFC 5798 6.4.2: the master is leaving; take over after Skew_Time unless someone else does first.
            resignedBy = source;
            restartDownTimer(skewNanos());
            return;
        }
        if (p > priority) {
            // A higher-priority master restarts keepalived's preempt_delay clock.
            preemptDeadlineNanos = now + preemptDelay.toNanos();
        }
        boolean accept = !preempt || p >= priority || now < preemptDeadlineNanos;
        if (!accept) {
            lowerPrioritySeen = true; // ignored: the down timer runs out and we preempt
            return;
        }
        lowerPrioritySeen = p < priority;
        resignedBy = null;
        learnInterval(advert.maxAdvertIntervalCentis(), source);
        restartDownTimer(masterDownNanos());
    }

    private void masterReceived(VrrpAdvert advert, InetAddress source) {
        int p = advert.priority();
        if (p == 0) {
            // Another master resigned: announce ourselves at once so backups do not take over after Skew_Time.
            replyOutOfTurn();
            return;
        }
        boolean higher = p > priority;
        boolean tieLost = p == priority && compare(source, primary) > 0;
        if (higher || tieLost) {
            cancelTimers();
            masterAdverCentis = bounded(advert.maxAdvertIntervalCentis(), source);
            enterBackup(higher ? TransitionReason.HIGHER_PRIORITY_SEEN : TransitionReason.EQUAL_PRIORITY_HIGHER_ADDRESS,
                    source, masterDownNanos());
        } else {
            // Two masters: ours wins. Tell the other one now rather than at our next interval (keepalived does too).
            replyOutOfTurn();
        }
    }

    // At most one out-of-turn advert per advert interval: each reply restarts our grid, and a forged flood would
    // otherwise turn every packet it sends into one of ours.
    private void replyOutOfTurn() {
        long now = clock.nanoTime();
        if (repliedOutOfTurn && now - lastOutOfTurnNanos < advertCentis * CENTI_NANOS) {
            rateLimitedReplies++;
            return;
        }
        repliedOutOfTurn = true;
        lastOutOfTurnNanos = now;
        sendAdvert(priority);
        scheduleAdvert();
    }

    /** {@code centis} cut to the configured maximum; a cut is counted and logged (first, then every 100th). */
    private int bounded(int centis, InetAddress source) {
        if (centis <= maxLearnedCentis) {
            return centis;
        }
        if (clampedIntervals++ % 100 == 0) {
            LOG.warn("VRRP instance {}: {} advertises an interval of {} ms, above maxLearnedAdvertInterval {} ms;"
                    + " using {} ms ({} so far)", vrid, Addresses.text(source), centis * 10L, maxLearnedCentis * 10L,
                    maxLearnedCentis * 10L, clampedIntervals);
        }
        return maxLearnedCentis;
    }

    private void learnInterval(int advertised, InetAddress source) {
        int centis = bounded(advertised, source);
        if (centis != masterAdverCentis) {
            Duration previous = Duration.ofNanos(masterAdverCentis * CENTI_NANOS);
            masterAdverCentis = centis;
            publish(new MasterAdvertIntervalChanged(clock.now(), vrid, previous,
                    Duration.ofNanos(centis * CENTI_NANOS)));
        }
    }

    private void enterBackup(TransitionReason reason, InetAddress peer, long downNanos) {
        lowerPrioritySeen = false;
        resignedBy = null;
        transition(VrrpState.BACKUP, reason, peer);
        restartDownTimer(downNanos);
    }

    private void restartDownTimer(long nanos) {
        if (downTimer != null) {
            downTimer.cancel();
        }
        downTimer = clock.schedule(Duration.ofNanos(nanos), this::downTimerExpired);
    }

    private synchronized void downTimerExpired() {
        if (state != VrrpState.BACKUP || stopped) {
            return; // a cancel raced with the timer thread
        }
        downTimer = null;
        TransitionReason reason = resignedBy != null ? TransitionReason.MASTER_RESIGNED
                : lowerPrioritySeen ? TransitionReason.PREEMPTED_LOWER_PRIORITY : TransitionReason.MASTER_DOWN;
        becomeMaster(reason, resignedBy);
    }

    private void becomeMaster(TransitionReason reason, InetAddress peer) {
        // RFC 5798 6.4.1/6.4.2: advert first, then the addresses (listeners send the gratuitous ARPs or unsolicited
        // Neighbour Advertisements), then timer.
        sendAdvert(priority);
        transition(VrrpState.MASTER, reason, peer);
        scheduleAdvert();
    }

    /** Schedules the next advert one interval after the one just sent (out of turn, or the first). */
    private void scheduleAdvert() {
        nextAdvertNanos = clock.nanoTime() + advertCentis * CENTI_NANOS;
        armAdvertTimer();
    }

    // Adverts keep to a grid of whole intervals from the first: each timer is set for the next instant of the grid,
    // not an interval after the send, so the time the send itself takes does not stretch every interval.
    private void armAdvertTimer() {
        if (adverTimer != null) {
            adverTimer.cancel();
        }
        long delay = Math.max(0, nextAdvertNanos - clock.nanoTime());
        adverTimer = clock.schedule(Duration.ofNanos(delay), this::adverTimerExpired);
    }

    private synchronized void adverTimerExpired() {
        if (state != VrrpState.MASTER || stopped) {
            return;
        }
        adverTimer = null;
        sendAdvert(priority);
        long interval = advertCentis * CENTI_NANOS;
        nextAdvertNanos += interval;
        if (clock.nanoTime() - nextAdvertNanos >= 0) {
            nextAdvertNanos = clock.nanoTime() + interval; // the timer ran very late (a paused JVM): no catch-up burst
        }
        armAdvertTimer();
    }

    private void cancelTimers() {
        if (downTimer != null) {
            downTimer.cancel();
            downTimer = null;
        }
        if (adverTimer != null) {
            adverTimer.cancel();
            adverTimer = null;
        }
    }

    private void sendAdvert(int advertPriority) {
        VrrpAdvert advert = new VrrpAdvert(vrid, advertPriority, advertCentis, virtualAddresses);
        List<InetAddress> destinations = unicastPeers.isEmpty() ? List.of(group) : unicastPeers;
        for (InetAddress destination : destinations) {
            byte[] message = VrrpCodec.encode(advert, primary, destination, checksumMode);
            try {
                transport.send(destination, message);
                advertsSent++;
            } catch (IOException e) {
                // Interface down or no route: the state machine goes on; the peer decides from what it receives.
                if (sendFailures++ % 100 == 0) {
                    LOG.warn("VRRP instance {}: sending advert to {} failed ({} failures so far): {}", vrid,
                            Addresses.text(destination), sendFailures, e.getMessage());
                }
            }
        }
    }

    private void transition(VrrpState to, TransitionReason reason, InetAddress peer) {
        VrrpState from = state;
        state = to;
        LOG.info("VRRP instance {}: {} -> {} ({}{})", vrid, from, to, reason,
                peer == null ? "" : ", peer " + Addresses.text(peer));
        publish(new StateChanged(clock.now(), vrid, from, to, reason, Optional.ofNullable(peer)));
    }

    private void publish(HaEvent event) {
        history.addLast(event);
        if (history.size() > HISTORY) {
            history.removeFirst();
        }
        for (Consumer<? super HaEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.error("VRRP instance {}: event listener failed on {}", vrid, event, e);
            }
        }
    }

    private void drop(DropReason reason) {
        dropped.merge(reason, 1L, Long::sum);
    }

    /** Unsigned comparison of two addresses of one family, as RFC 5798 compares primary addresses. */
    static int compare(InetAddress a, InetAddress b) {
        return Arrays.compareUnsigned(a.getAddress(), b.getAddress());
    }

    @Override
    public String toString() {
        return "VrrpInstance[vrid=" + vrid + ", priority=" + priority + ", state=" + state() + "]";
    }

    /**
     * Fluent builder for a {@link VrrpInstance}; validates on {@link #build()}. Not thread-safe.
     *
     * <p>Defaults: advert interval 1 s, maximum learned interval 10 times that, preempt on, no preempt delay, checksum
     * {@link ChecksumMode#WITH_PSEUDO_HEADER} (keepalived's), multicast to 224.0.0.18 (IPv4) or ff02::12 (IPv6), a
     * system clock owned and closed by the instance.
     */
    public static final class Builder {
        private int vrid = -1;
        private int priority = -1;
        private Duration advertInterval = Duration.ofSeconds(1);
        private Duration maxLearnedAdvertInterval;
        private final Set<InetAddress> virtualAddresses = new LinkedHashSet<>();
        private String interfaceName;
        private boolean preempt = true;
        private Duration preemptDelay = Duration.ZERO;
        private ChecksumMode checksumMode = ChecksumMode.WITH_PSEUDO_HEADER;
        private final List<InetAddress> unicastPeers = new ArrayList<>();
        private TaskClock clock;
        private VrrpTransport transport;

        Builder() {
        }

        /** The virtual router id, 1-255; both routers of the pair use the same one. */
        public Builder vrid(int vrid) {
            this.vrid = range("vrid", vrid, 1, 255);
            return this;
        }

        /** 1-254, or 255 for the address owner (master at once, always preempts). Higher wins. */
        public Builder priority(int priority) {
            this.priority = range("priority", priority, 1, 255);
            return this;
        }

        /** How often the master advertises: 10 ms to 40.95 s in whole centiseconds (default 1 s). */
        public Builder advertInterval(Duration interval) {
            this.advertInterval = centiseconds("advertInterval", interval);
            return this;
        }

        private static Duration centiseconds(String field, Duration interval) {
            Objects.requireNonNull(interval, field);
            long millis = interval.toMillis();
            if (interval.toNanos() % 10_000_000L != 0 || millis < 10 || millis > 40_950) {
                throw new IllegalArgumentException(field + ": " + interval
                        + " (expected: 10 ms to 40.95 s in whole centiseconds)");
            }
            return interval;
        }

        /**
         * The longest Master_Adver_Interval learned from another router's adverts: 10 ms to 40.95 s in whole
         * centiseconds, at least {@link #advertInterval}; default 10 times the advert interval (at most 40.95 s).
         * A longer advertised interval is used as this one and counted ({@link VrrpStats#clampedIntervals()}). Set
         * it at least as long as a peer's configured interval (a keepalived peer's {@code advert_int}).
         */
        public Builder maxLearnedAdvertInterval(Duration interval) {
            this.maxLearnedAdvertInterval = centiseconds("maxLearnedAdvertInterval", interval);
            return this;
        }

        /** Adds a virtual IPv4 or IPv6 address (a literal, never resolved through DNS). */
        public Builder virtualAddress(String literal) {
            Objects.requireNonNull(literal, "virtualAddress");
            return virtualAddress(literal(literal, "virtualAddress"));
        }

        /**
         * Adds a virtual IPv4 or IPv6 address. All addresses of one instance are of one family (an IPv6 instance
         * serves IPv6 addresses only, RFC 5798 5.2.9); run an instance per family for both.
         */
        public Builder virtualAddress(InetAddress address) {
            Objects.requireNonNull(address, "virtualAddress");
            if (address.isMulticastAddress() || address.isAnyLocalAddress()
                    || address instanceof Inet6Address v6 && v6.isLinkLocalAddress()) {
                throw new IllegalArgumentException("virtualAddress: " + Addresses.text(address)
                        + " (expected: a unicast address that is neither the wildcard nor IPv6 link-local)");
            }
            InetAddress plain = plain(address);
            if (!virtualAddresses.isEmpty() && virtualAddresses.iterator().next().getClass() != plain.getClass()) {
                throw new IllegalArgumentException("virtualAddress: " + Addresses.text(address) + " (expected: an "
                        + family(virtualAddresses.iterator().next()) + " address like the others; one instance"
                        + " serves one family, run a second instance for the other)");
            }
            if (virtualAddresses.size() == 255 && !virtualAddresses.contains(plain)) {
                throw new IllegalArgumentException("virtualAddress: " + Addresses.text(address)
                        + " (expected: at most 255 addresses per virtual router)");
            }
            virtualAddresses.add(plain);
            return this;
        }

        /** The interface the adverts go out on and the virtual addresses live on. */
        public Builder networkInterface(String name) {
            Objects.requireNonNull(name, "networkInterface");
            if (name.isBlank() || name.length() > 15) {
                throw new IllegalArgumentException("networkInterface: \"" + name
                        + "\" (expected: an interface name of 1-15 characters)");
            }
            this.interfaceName = name;
            return this;
        }

        /**
         * Whether a backup takes over from a live master of lower priority (default true). {@code false} is
         * keepalived's {@code nopreempt}: once a master is up, a higher-priority router that starts later stays
         * backup until that master fails.
         */
        public Builder preempt(boolean preempt) {
            this.preempt = preempt;
            return this;
        }

        /**
         * keepalived's {@code preempt_delay}: how long after start (or after last seeing a higher priority) a backup
         * still treats a lower-priority master as valid before preempting it; 0 (default) to 1000 s. It never delays
         * taking over when no master is alive.
         */
        public Builder preemptDelay(Duration delay) {
            Objects.requireNonNull(delay, "preemptDelay");
            if (delay.isNegative() || delay.compareTo(Duration.ofSeconds(1000)) > 0) {
                throw new IllegalArgumentException("preemptDelay: " + delay + " (expected: 0 to 1000 s)");
            }
            this.preemptDelay = delay;
            return this;
        }

        /**
         * The IPv4 checksum mode; both routers must agree (default: keepalived's, with the pseudo-header). An IPv6
         * advert's checksum always covers the IPv6 pseudo-header, whatever this says.
         */
        public Builder checksum(ChecksumMode mode) {
            this.checksumMode = Objects.requireNonNull(mode, "checksum");
            return this;
        }

        /**
         * Adds a unicast peer: adverts go to each peer instead of the multicast group, and adverts from other
         * addresses are dropped ({@link DropReason#UNKNOWN_PEER}). keepalived's {@code unicast_peer}. Of the virtual
         * addresses' family. An IPv6 peer's adverts come from its link-local address (RFC 5798 5.1.2.1; keepalived's
         * default too), so name the peer by its link-local address; the advert goes out on the instance's
         * interface whatever the address's scope.
         */
        public Builder unicastPeer(String literal) {
            Objects.requireNonNull(literal, "unicastPeer");
            InetAddress a = literal(literal, "unicastPeer");
            if (a.isMulticastAddress() || a.isAnyLocalAddress() || a.isLoopbackAddress()) {
                throw new IllegalArgumentException("unicastPeer: " + literal + " (expected: a unicast address)");
            }
            unicastPeers.add(plain(a));
            return this;
        }

        /** {@code a} without an IPv6 scope (the instance's interface is the scope), so equality is by bytes only. */
        private static InetAddress plain(InetAddress a) {
            if (a instanceof Inet6Address v6 && (v6.getScopeId() != 0 || v6.getScopedInterface() != null)) {
                try {
                    return Inet6Address.getByAddress(null, v6.getAddress(), -1);
                } catch (UnknownHostException impossible) {
                    throw new AssertionError(impossible);
                }
            }
            return a;
        }

        private static String family(InetAddress a) {
            return a instanceof Inet6Address ? "IPv6" : "IPv4";
        }

        /** The clock; default a system clock the instance owns and closes on {@link #stop()}. */
        public Builder clock(TaskClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The advert transport; default a raw IP socket on {@link #networkInterface}. */
        public Builder transport(VrrpTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * @throws IllegalArgumentException when vrid, priority or a virtual address is missing, or neither an
         *                                  interface nor a transport was given
         * @throws IllegalStateException    when settings conflict: {@code preempt(false)} with priority 255, a
         *                                  preempt delay without preemption, or a maximum learned interval shorter
         *                                  than the advert interval
         */
        public VrrpInstance build() {
            if (vrid < 0) {
                throw new IllegalArgumentException("vrid: unset (expected: 1-255)");
            }
            if (priority < 0) {
                throw new IllegalArgumentException("priority: unset (expected: 1-255)");
            }
            if (virtualAddresses.isEmpty()) {
                throw new IllegalArgumentException("virtualAddress: none (expected: at least one IPv4 or IPv6"
                        + " address)");
            }
            InetAddress first = virtualAddresses.iterator().next();
            for (InetAddress peer : unicastPeers) {
                if (peer.getClass() != first.getClass()) {
                    throw new IllegalArgumentException("unicastPeer: " + Addresses.text(peer) + " (expected: an "
                            + family(first) + " address, the family of the virtual addresses)");
                }
            }
            if (interfaceName == null && transport == null) {
                throw new IllegalArgumentException("networkInterface: unset (expected: an interface name, or a "
                        + "transport)");
            }
            if (!preempt && priority == 255) {
                throw new IllegalStateException("preempt: false conflicts with priority 255 (the address owner "
                        + "always becomes master)");
            }
            if (maxLearnedAdvertInterval != null && maxLearnedAdvertInterval.compareTo(advertInterval) < 0) {
                throw new IllegalStateException("maxLearnedAdvertInterval: " + maxLearnedAdvertInterval
                        + " (expected: at least advertInterval " + advertInterval + ")");
            }
            if (!preempt && !preemptDelay.isZero()) {
                throw new IllegalStateException("preemptDelay: " + preemptDelay + " conflicts with preempt(false) "
                        + "(a delay applies only to preemption)");
            }
            return new VrrpInstance(this);
        }

        private static int range(String field, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(field + ": " + value + " (expected: " + min + "-" + max + ")");
            }
            return value;
        }

        private static InetAddress literal(String literal, String field) {
            boolean looksLikeIp = !literal.isEmpty() && literal.chars().allMatch(c -> Character.digit(c, 16) >= 0
                    || c == '.' || c == ':');
            if (!looksLikeIp) {
                throw new IllegalArgumentException(field + ": \"" + literal + "\" (expected: an IP address literal)");
            }
            try {
                return InetAddress.getByName(literal);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(field + ": \"" + literal + "\" (expected: an IP address literal)");
            }
        }
    }
}
