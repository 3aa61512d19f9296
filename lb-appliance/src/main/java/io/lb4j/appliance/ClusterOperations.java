package io.lb4j.appliance;

import io.lb4j.admin.ClusterControl;
import io.lb4j.admin.ClusterStatus;
import io.lb4j.api.internal.Addresses;
import io.lb4j.appliance.config.ClusterConfig;
import io.lb4j.ha.route.Announcement;
import io.lb4j.ha.route.AnnouncementState;
import io.lb4j.ha.route.AnnouncingNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A cluster node's operations, as the admin server shows them (lb-admin knows nothing of lb-ha): its routes'
 * announcement ({@code GET /api/cluster}, the page's cluster panel), the operator's drain, and the meters. Built with
 * the admin server, before the balancer starts; the {@link AnnouncingNode} is {@linkplain #attach attached} when it
 * is, so until then the node shows no routes and refuses a drain.
 *
 * <p>Meters (bound to the admin server's registry): {@code lb4j.cluster.announced} (tag {@code vip}: 1 while the VIP's
 * route is announced, else 0; {@code sum by (vip) (lb4j_cluster_announced)} over the nodes is how many carry it),
 * {@code lb4j.cluster.announcement.changes} (counter, tags {@code vip} and {@code to} = ANNOUNCED / WITHDRAWN /
 * FAILED) and {@code lb4j.cluster.drained} (1 while an operator drained the node). A VIP's meters appear with its
 * first announcement check. Thread-safe.
 */
final class ClusterOperations implements ClusterControl, MeterBinder {

    private final ClusterConfig config;
    private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private volatile AnnouncingNode node;
    private MeterRegistry registry; // guarded by this; null until bound
    private final Set<InetAddress> metered = new HashSet<>(); // guarded by this
    private final Map<InetAddress, AnnouncementState> last = new HashMap<>(); // guarded by this

    ClusterOperations(ClusterConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Runs {@code listener} after every change of a route's state (the admin server's push to open pages). */
    void onChange(Runnable listener) {
        changeListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The node whose routes this shows; before it starts, so that its first check is counted. */
    void attach(AnnouncingNode announcing) {
        node = Objects.requireNonNull(announcing, "announcing");
        announcing.onChange(this::changed);
    }

    @Override
    public ClusterStatus status() {
        AnnouncingNode n = node;
        List<ClusterStatus.Route> routes = new ArrayList<>();
        if (n != null) {
            for (Announcement a : n.announcements().values()) {
                routes.add(new ClusterStatus.Route(Addresses.text(a.vip()), a.state().name(), a.since(),
                        a.reason().name()));
            }
        }
        return new ClusterStatus(config.daemon(), config.socket().toString(), config.localAs(),
                config.neighbours().stream().map(r -> new ClusterStatus.Neighbour(Addresses.text(r.address()), r.as()))
                        .toList(), config.bfd(), n != null && n.drained(), routes);
    }

    @Override
    public void drain() {
        started().drain();
    }

    @Override
    public void undrain() {
        started().undrain();
    }

    private AnnouncingNode started() {
        AnnouncingNode n = node;
        if (n == null) {
            throw new IllegalStateException("this node announces no routes yet: its balancer has not started");
        }
        return n;
    }

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("lb4j.cluster.drained", this, o -> {
            AnnouncingNode n = o.node;
            return n != null && n.drained() ? 1 : 0;
        }).description("1 while an operator drained this cluster node (every route withdrawn)").register(registry);
        last.keySet().forEach(this::meter);
    }

    /** On the node's checking thread: counts each VIP whose state changed, then tells the listeners. */
    private void changed(Map<InetAddress, AnnouncementState> states) {
        synchronized (this) {
            Set<InetAddress> vips = new HashSet<>(last.keySet());
            vips.addAll(states.keySet());
            for (InetAddress vip : vips) {
                // A VIP that left the map was withdrawn (its services were removed); one never seen was withdrawn.
                AnnouncementState before = last.getOrDefault(vip, AnnouncementState.WITHDRAWN);
                AnnouncementState now = states.getOrDefault(vip, AnnouncementState.WITHDRAWN);
                meter(vip);
                if (before != now && registry != null) {
                    changes(vip, now).increment();
                }
            }
            last.clear();
            last.putAll(states);
        }
        changeListeners.forEach(Runnable::run);
    }

    /** Registers a VIP's meters once; called under this. */
    private void meter(InetAddress vip) {
        if (registry == null || !metered.add(vip)) {
            return;
        }
        Gauge.builder("lb4j.cluster.announced", this, o -> {
            AnnouncingNode n = o.node;
            return n != null && n.states().get(vip) == AnnouncementState.ANNOUNCED ? 1 : 0;
        }).tags("vip", Addresses.text(vip)).description("1 while this node's route for the VIP is announced to the"
                + " routers, else 0").register(registry);
        // Registered up front, so a dashboard or alert sees 0 rather than no series before the first change.
        for (AnnouncementState to : AnnouncementState.values()) {
            changes(vip, to);
        }
    }

    private Counter changes(InetAddress vip, AnnouncementState to) {
        return Counter.builder("lb4j.cluster.announcement.changes").tags("vip", Addresses.text(vip), "to", to.name())
                .description("changes of this node's route for the VIP, by the state entered").register(registry);
    }
}
