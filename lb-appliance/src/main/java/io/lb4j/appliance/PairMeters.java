package io.lb4j.appliance;

import io.lb4j.ha.flowsync.FlowSync;
import io.lb4j.ha.peer.PeerState;
import io.lb4j.ha.peer.PeerStatus;
import io.lb4j.ha.replication.ConfigPublisher;
import io.lb4j.ha.replication.ConfigReceiver;
import io.lb4j.ha.vrrp.DropReason;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.VrrpState;
import io.lb4j.ha.vrrp.VrrpStats;
import io.lb4j.ha.vrrp.event.StateChanged;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters of one pair node: its VRRP instance, config replication and flow sync. lb-admin knows nothing of
 * the pair, so the appliance binds these to the admin server's registry beside the balancer's meters.
 *
 * <p>Meters (tag {@code vrid} on the VRRP ones): {@code lb4j.vrrp.state} (1 for the current {@code state} tag, else 0:
 * {@code sum by (vrid) (lb4j_vrrp_state{state="MASTER"}) > 1} over both nodes is two masters),
 * {@code lb4j.vrrp.transitions} (counter, tag {@code to}), {@code lb4j.vrrp.adverts} (tag {@code direction} = sent /
 * accepted), {@code lb4j.vrrp.dropped} (tag {@code reason}, a {@link DropReason} in lower camel case),
 * {@code lb4j.pair.peer.connected} (1 while the channel's last exchange succeeded; tag {@code channel} =
 * config.publisher / config.receiver / flow.sync.out / flow.sync.in), {@code lb4j.replication.epoch} and
 * {@code lb4j.replication.sequence} (the primary: its epoch and the sequence the secondary acknowledged; the secondary:
 * the version it applied), {@code lb4j.flow.sync.updates} (tag {@code direction} = sent / received / applied) and
 * {@code lb4j.flow.sync.dropped} (tag {@code reason} = unauthentic / malformed). Replication's channels exist only
 * once the node started: until then their meters read NaN. Thread-safe.
 */
final class PairMeters implements MeterBinder {

    private final VrrpInstance vrrp;
    private final boolean primary;
    private final Supplier<ConfigPublisher> publisher;
    private final Supplier<ConfigReceiver> receiver;
    private final FlowSync flowSync; // null without the packet engine

    PairMeters(VrrpInstance vrrp, boolean primary, Supplier<ConfigPublisher> publisher,
               Supplier<ConfigReceiver> receiver, FlowSync flowSync) {
        this.vrrp = vrrp;
        this.primary = primary;
        this.publisher = publisher;
        this.receiver = receiver;
        this.flowSync = flowSync;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags vrid = Tags.of("vrid", Integer.toString(vrrp.vrid()));
        Map<VrrpState, Counter> transitions = new EnumMap<>(VrrpState.class);
        for (VrrpState state : VrrpState.values()) {
            Gauge.builder("lb4j.vrrp.state", vrrp, v -> v.state() == state ? 1 : 0)
                    .tags(vrid.and("state", state.name())).description("1 for the node's current VRRP state, else 0")
                    .register(registry);
            // Registered up front, so a dashboard or alert sees 0 rather than no series before the first transition.
            transitions.put(state, Counter.builder("lb4j.vrrp.transitions").tags(vrid.and("to", state.name()))
                    .description("VRRP state changes of this node, by the state entered").register(registry));
        }
        vrrp.subscribe(e -> {
            if (e instanceof StateChanged s) {
                transitions.get(s.to()).increment();
            }
        });
        String adverts = "VRRP adverts sent, and received for this VRID passing every check (accepted)";
        vrrpCounter(registry, "lb4j.vrrp.adverts", vrid.and("direction", "sent"), adverts, VrrpStats::advertsSent);
        vrrpCounter(registry, "lb4j.vrrp.adverts", vrid.and("direction", "accepted"), adverts,
                VrrpStats::advertsAccepted);
        for (DropReason reason : DropReason.values()) {
            vrrpCounter(registry, "lb4j.vrrp.dropped", vrid.and("reason", camel(reason.name())),
                    "VRRP packets dropped, by reason (otherVrid and ownAdvert are normal)", s -> s.dropped(reason));
        }
        if (primary) {
            peer(registry, "config.publisher", () -> publisher.get() == null ? null : publisher.get().status());
            gauge(registry, "lb4j.replication.epoch", "the configuration epoch this primary replicates",
                    () -> publisher.get() == null ? Double.NaN : publisher.get().epoch());
            gauge(registry, "lb4j.replication.sequence", "the last configuration sequence the secondary acknowledged",
                    () -> publisher.get() == null ? Double.NaN : publisher.get().acknowledged());
        } else {
            peer(registry, "config.receiver", () -> receiver.get() == null ? null : receiver.get().status());
            gauge(registry, "lb4j.replication.epoch", "the epoch of the configuration this secondary applied last",
                    () -> appliedVersion(0));
            gauge(registry, "lb4j.replication.sequence", "the sequence of the configuration this secondary applied"
                    + " last", () -> appliedVersion(1));
        }
        if (flowSync != null) {
            peer(registry, "flow.sync.out", flowSync::senderStatus);
            peer(registry, "flow.sync.in", flowSync::receiverStatus);
            String updates = "flow changes sent to the peer, received from it, and of those applied by the engine";
            flowCounter(registry, "lb4j.flow.sync.updates", Tags.of("direction", "sent"), updates, FlowSync::sent);
            flowCounter(registry, "lb4j.flow.sync.updates", Tags.of("direction", "received"), updates,
                    FlowSync::received);
            flowCounter(registry, "lb4j.flow.sync.updates", Tags.of("direction", "applied"), updates,
                    FlowSync::applied);
            String dropped = "flow-sync frames dropped: not authentic (unauthentic), or authentic but undecodable or"
                    + " a repeated sequence (malformed)";
            flowCounter(registry, "lb4j.flow.sync.dropped", Tags.of("reason", "unauthentic"), dropped,
                    FlowSync::rejected);
            flowCounter(registry, "lb4j.flow.sync.dropped", Tags.of("reason", "malformed"), dropped,
                    FlowSync::malformed);
        }
    }

    /** Part {@code i} of the receiver's {@code epoch:sequence}, NaN before it started. */
    private double appliedVersion(int i) {
        ConfigReceiver r = receiver.get();
        return r == null ? Double.NaN : Double.parseDouble(r.appliedVersion().split(":")[i]);
    }

    private void vrrpCounter(MeterRegistry registry, String name, Tags tags, String description,
                             ToDoubleFunction<VrrpStats> f) {
        FunctionCounter.builder(name, vrrp, v -> f.applyAsDouble(v.stats())).tags(tags).description(description)
                .register(registry);
    }

    private void flowCounter(MeterRegistry registry, String name, Tags tags, String description,
                             ToDoubleFunction<FlowSync> f) {
        FunctionCounter.builder(name, flowSync, f).tags(tags).description(description).register(registry);
    }

    private void peer(MeterRegistry registry, String channel, Supplier<PeerStatus> status) {
        Gauge.builder("lb4j.pair.peer.connected", this, m -> {
            PeerStatus s = status.get();
            return s == null ? Double.NaN : s.state() == PeerState.OK ? 1 : 0;
        }).strongReference(true).tags("channel", channel).description("1 while the channel's last exchange with the peer succeeded")
                .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, Supplier<Double> value) {
        Gauge.builder(name, this, m -> value.get()).strongReference(true).description(description).register(registry);
    }

    /** {@code BAD_TTL} as {@code badTtl}: the vocabulary of the rest of lb4j's tags. */
    static String camel(String constant) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : constant.toLowerCase(Locale.ROOT).toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }
}
