package io.lb4j.ha.route;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RealServerState;
import io.lb4j.api.status.BalancerStatus;
import io.lb4j.api.status.ServiceStatus;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One node of an active-active cluster: announces each VIP of its balancer through a {@link RouteAnnouncer} exactly
 * while the node can serve it, so the ECMP routers send it flows only then. A VIP is announced when all of these
 * hold, and withdrawn as soon as one does not:
 * <ul>
 *   <li>the balancer runs (its engine started and not stopped);</li>
 *   <li>the node's interface toward the routers is up ({@code /sys/class/net/IF/operstate} neither {@code down} nor
 *       {@code lowerlayerdown});</li>
 *   <li>some service on the VIP can take a connection: a real server {@code UP}, or a fallback;</li>
 *   <li>the operator has not {@linkplain #drain() drained} the node.</li>
 * </ul>
 * Checked every {@code interval} (default 200 ms) and at once on {@link #drain()}, {@link #undrain()} and
 * {@link #close()}. Listeners hear every change of a VIP's state, outside any lock, on the checking thread;
 * {@link #announcements()} also says since when and why, for the operator.
 */
public final class AnnouncingNode implements AutoCloseable {

    private final LoadBalancer balancer;
    private final RouteAnnouncer announcer;
    private final Optional<String> networkInterface;
    private final ScheduledExecutorService checker;
    private final Duration interval;
    private final Map<InetAddress, AnnouncementState> states = new LinkedHashMap<>(); // guarded by this
    private final Map<InetAddress, Announcement> announcements = new LinkedHashMap<>(); // guarded by this
    private final Clock clock = Clock.systemUTC();
    private final Set<Consumer<Map<InetAddress, AnnouncementState>>> listeners = new LinkedHashSet<>();
    private volatile boolean drained;
    private volatile boolean closed;

    /**
     * A node announcing {@code balancer}'s VIPs through {@code announcer}, watching {@code networkInterface} (empty:
     * none watched); not started.
     *
     * @throws IllegalArgumentException for an interval outside 10 ms-10 s
     */
    public AnnouncingNode(LoadBalancer balancer, RouteAnnouncer announcer, Optional<String> networkInterface,
                          Duration interval) {
        this.balancer = Objects.requireNonNull(balancer, "balancer");
        this.announcer = Objects.requireNonNull(announcer, "announcer");
        this.networkInterface = Objects.requireNonNull(networkInterface, "networkInterface");
        Objects.requireNonNull(interval, "interval");
        if (interval.toMillis() < 10 || interval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: 10 ms-10 s)");
        }
        this.interval = interval;
        this.checker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("lb4j-announcing-node").factory());
    }

    /** Adds a listener for changes of the VIPs' states (the whole map after each change). */
    public synchronized void onChange(Consumer<Map<InetAddress, AnnouncementState>> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Starts checking; the first check runs at once. */
    public void start() {
        checker.scheduleWithFixedDelay(this::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Withdraws every VIP and keeps them withdrawn until {@link #undrain()}: the operator takes the node out. */
    public void drain() {
        drained = true;
        runNow();
    }

    /** Ends a {@link #drain()}: VIPs the node can serve are announced again. */
    public void undrain() {
        drained = false;
        runNow();
    }

    /** Whether the operator drained the node. */
    public boolean drained() {
        return drained;
    }

    /** Each VIP's announcement state as last set. */
    public synchronized Map<InetAddress, AnnouncementState> states() {
        return Map.copyOf(states);
    }

    /**
     * Each VIP's announcement as last set, with since when and why: the VIPs of {@link #states()}, in the order of
     * the balancer's services.
     */
    public synchronized Map<InetAddress, Announcement> announcements() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(announcements));
    }

    /** Withdraws every VIP (the node is stopping), then stops checking; the announcer stays open. */
    @Override
    public void close() {
        closed = true;
        runNow();
        checker.shutdown();
        try {
            checker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a check now, on the checker thread, and waits for it. */
    void checkNow() {
        runNow();
    }

    private void runNow() {
        try {
            checker.submit(this::check).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // already closed: nothing is announced any more
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("announcement check failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One check: on the checker thread only. */
    private void check() {
        BalancerStatus status = balancer.status();
        Announcement.Reason down = closed ? Announcement.Reason.CLOSED : drained ? Announcement.Reason.DRAINED
                : !status.running() ? Announcement.Reason.STOPPED
                : !interfaceUp() ? Announcement.Reason.INTERFACE_DOWN : null;
        Map<InetAddress, Announcement.Reason> reasons = new LinkedHashMap<>();
        for (ServiceStatus s : status.services()) {
            Announcement.Reason r = down != null ? down
                    : canServe(s) ? Announcement.Reason.SERVING : Announcement.Reason.NOTHING_UP;
            reasons.merge(s.address(), r, (a, b) -> a == Announcement.Reason.SERVING ? a : b);
        }
        synchronized (this) {
            states.keySet().stream().filter(v -> !reasons.containsKey(v)).toList()
                    .forEach(v -> reasons.put(v, down != null ? down : Announcement.Reason.REMOVED));
        }
        Map<InetAddress, AnnouncementState> next = new LinkedHashMap<>();
        Map<InetAddress, Announcement.Reason> nextReasons = new LinkedHashMap<>();
        reasons.forEach((vip, reason) -> {
            AnnouncementState now = reason == Announcement.Reason.SERVING ? announcer.announce(vip)
                    : announcer.withdraw(vip);
            if (now != AnnouncementState.WITHDRAWN || status.services().stream().anyMatch(s -> s.address()
                    .equals(vip))) {
                next.put(vip, now);
                nextReasons.put(vip, reason);
            }
        });
        Set<Consumer<Map<InetAddress, AnnouncementState>>> notify;
        Map<InetAddress, AnnouncementState> snapshot;
        synchronized (this) {
            Instant at = clock.instant();
            Map<InetAddress, Announcement> kept = new LinkedHashMap<>();
            next.forEach((vip, state) -> {
                Announcement before = announcements.get(vip);
                kept.put(vip, new Announcement(vip, state, before != null && before.state() == state
                        ? before.since() : at, nextReasons.get(vip)));
            });
            announcements.clear();
            announcements.putAll(kept);
            if (next.equals(states)) {
                return;
            }
            states.clear();
            states.putAll(next);
            snapshot = Map.copyOf(states);
            notify = Set.copyOf(listeners);
        }
        notify.forEach(l -> l.accept(snapshot));
    }

    private static boolean canServe(ServiceStatus s) {
        return s.fallbackAddress() != null
                || s.realServers().stream().anyMatch(r -> r.state() == RealServerState.UP);
    }

    private boolean interfaceUp() {
        if (networkInterface.isEmpty()) {
            return true;
        }
        try {
            String state = Files.readString(Path.of("/sys/class/net", networkInterface.get(), "operstate")).strip();
            return !state.equals("down") && !state.equals("lowerlayerdown") && !state.equals("notpresent");
        } catch (IOException e) {
            return false; // the interface is gone
        }
    }
}
