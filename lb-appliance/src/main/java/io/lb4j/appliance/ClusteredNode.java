package io.lb4j.appliance;

import io.lb4j.admin.PairStatus;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.appliance.config.HaConfig;
import io.lb4j.ha.replication.ConfigPublisher;
import io.lb4j.ha.HaPair;
import io.lb4j.ha.vip.InterfaceVipOwner;
import io.lb4j.ha.vip.PacketEngineVipOwner;
import io.lb4j.ha.vip.VipOwner;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.VrrpState;
import io.lb4j.ha.vrrp.event.StateChanged;

import io.lb4j.ha.peer.PeerStatus;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Collection;
import java.util.function.Consumer;

import io.lb4j.alerts.Alert;

/**
 * The appliance as one node of a clustered pair ({@code ha:} in the file): the balancer inside an {@link HaPair}
 * (VRRP decides which node owns the virtual addresses), config replication from the primary to the secondary, and
 * flow sync between packet engines.
 *
 * <p>Two steps, so that {@code --check} runs the first one exactly as a start does. {@link #prepare} reads the secret
 * and builds every part (the VRRP instance, the VIP owner, the pair, flow sync) without opening a socket; a bad
 * setting or secret fails there. {@link #start()} then starts, in order, the pair (the balancer, then VRRP), flow sync
 * (packet engine), then the config publisher (primary) or receiver (secondary); when a step fails, what already
 * started is closed again before the exception leaves. {@link #close()} stops replication first (no list arrives or
 * leaves during the stop), then the pair (a master sends the priority-0 advert, releases the addresses, then the
 * balancer drains), then flow sync, which keeps syncing while the peer takes over; on a node that never started it
 * only lets go of what {@code prepare} built. The VIP owner matches the engine: the interface's addresses for the
 * proxy engine, the engine's own ARP answering for the packet engine (built in standby). Every VRRP transition is
 * printed, and kept for the admin server's pair view ({@link #pairStatus()}, {@link #onStateChanged}). Not
 * thread-safe: the runner calls it under its own lock (the pair view is read from any thread).
 */
final class ClusteredNode implements ServiceReplication, AutoCloseable {

    private final HaConfig ha;
    private final LoadBalancer balancer;
    private final PrintStream out;
    private final HaPair pair;
    /** Config replication and flow sync with the peer: a cluster's channels toward one node. */
    private final ClusterReplication channels;
    private boolean started;
    /** The last transition, for the pair view: its state, since when and why. Written by the VRRP listener. */
    private volatile StateChanged lastTransition;
    private volatile Runnable stateListener = () -> { };
    private final java.util.List<Consumer<StateChanged>> transitionListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    private ClusteredNode(HaConfig ha, LoadBalancer balancer, ForwardingEngine engine, PrintStream out,
                          byte[] secret) {
        this.ha = ha;
        this.balancer = balancer;
        this.out = out;
        VrrpInstance vrrp = ha.vrrp();
        vrrp.subscribe(e -> {
            if (e instanceof StateChanged s) {
                out.println(StatusText.time(s.at()) + " VRRP " + s.vrid() + ": " + s.from() + " -> " + s.to()
                        + " (" + s.reason() + ")" + (s.to() == VrrpState.MASTER
                        ? ", this node owns " + String.join(", ", ha.virtualAddresses()) : ""));
                out.flush();
                lastTransition = s;
                stateListener.run();
                transitionListeners.forEach(l -> l.accept(s));
            }
        });
        VipOwner owner = engine instanceof PacketEngine p ? PacketEngineVipOwner.of(p)
                : InterfaceVipOwner.builder(ha.networkInterface()).build();
        this.pair = HaPair.builder().loadBalancer(balancer).vrrp(vrrp).vipOwner(owner).build();
        this.channels = ClusterReplication.prepare(ha.replication(), balancer, engine, secret);
        channels.onChange(() -> stateListener.run()); // the page shows each channel's change at once
    }

    /**
     * Reads the secret and builds every part of the node; nothing is opened or started.
     *
     * @param engine the balancer's engine, not yet started; a packet engine gets flow sync and owns the VIPs itself
     * @throws RuntimeException from whichever part refuses its settings (the secret unreadable or too short);
     *                          nothing was started, and the secret read is overwritten
     */
    static ClusteredNode prepare(HaConfig ha, LoadBalancer balancer, ForwardingEngine engine, PrintStream out) {
        byte[] secret = ha.readSecret();
        try {
            return new ClusteredNode(ha, balancer, engine, out, secret);
        } catch (RuntimeException e) {
            Arrays.fill(secret, (byte) 0);
            throw e;
        }
    }

    /**
     * Starts the node; see the class documentation for the order.
     *
     * @throws IllegalStateException when already started
     * @throws RuntimeException      from whichever part could not start (a socket not opened, a port in use);
     *                               nothing stays running
     */
    void start() {
        if (started) {
            throw new IllegalStateException("pair node already started (expected: start() once)");
        }
        started = true;
        try {
            pair.start();
            channels.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Applies services from a reloaded file: on the primary through the publisher (here atomically, then pushed to
     * the secondary).
     *
     * @return the replicated version's sequence number
     * @throws IllegalStateException    on the secondary, whose services come from the primary
     * @throws IllegalArgumentException when the set is invalid or has no portable form; nothing changes anywhere
     */
    @Override
    public long reconfigure(Collection<VirtualService> services) {
        ConfigPublisher publisher = channels.publisher();
        if (publisher == null) {
            throw new IllegalStateException("this node is the secondary (ha.role): its services are replicated from"
                    + " the primary " + Addresses.text(ha.peer()) + "; change them there");
        }
        return publisher.reconfigure(services);
    }

    /**
     * Hands mastership over at once: VRRP stops (a master sends priority 0 and releases the addresses, so the peer
     * takes over after Skew_Time); the balancer and replication keep running until {@link #close()}. Thread-safe.
     */
    void resign() {
        pair.vrrp().stop();
    }

    /** Whether this node replicates its services to the peer. */
    @Override
    public boolean isPrimary() {
        return ha.role() == HaConfig.Role.PRIMARY;
    }

    /** This node's VRRP state now. */
    VrrpState state() {
        return pair.state();
    }

    /**
     * This node as the admin server's pair view shows it: the state, since when and why from the last transition
     * (INITIALIZE with no time before the first), and the file's VRRP settings. Thread-safe.
     */
    PairStatus pairStatus() {
        StateChanged last = lastTransition;
        List<PairStatus.Link> links = channels.peerStatuses().stream().map(ClusteredNode::link).toList();
        return new PairStatus(last == null ? VrrpState.INITIALIZE.name() : last.to().name(), ha.vrid(),
                ha.priority(), ha.virtualAddresses(), ha.role().configName(), Addresses.text(ha.peer()),
                last == null ? null : last.at(), last == null ? null : last.reason().name(), links);
    }

    private static PairStatus.Link link(PeerStatus s) {
        String detail = s.detail().length() > 1_000 ? s.detail().substring(0, 1_000) : s.detail();
        return new PairStatus.Link(s.channel().name(), s.peer(), s.state().name(), s.since(), detail);
    }

    /**
     * Runs {@code listener} after each VRRP transition (on the VRRP instance's thread, so it must not block; the
     * admin server's {@code pairChanged} only queues). Replaces the previous listener. Thread-safe.
     */
    void onStateChanged(Runnable listener) {
        this.stateListener = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * This node's VRRP, replication and flow-sync meters, for the admin server's registry ({@link PairMeters}); the
     * replication channel's meters read the publisher or receiver once {@link #start()} made it.
     */
    PairMeters meters() {
        return new PairMeters(pair.vrrp(), isPrimary(), channels::publisher, channels::receiver, channels.flowSync());
    }

    /**
     * Runs {@code listener} with each VRRP transition (on the VRRP instance's thread, so it must not block; the
     * alerts' {@code publish} and the SNMP agent only queue). Any number of listeners. Thread-safe.
     */
    void onTransition(Consumer<StateChanged> listener) {
        transitionListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /**
     * A transition as an alert, as keepalived's notify gets it ({@code INSTANCE VRRP_51 MASTER}): becoming MASTER
     * or leaving it is a failover of the pair (WARNING), FAULT is CRITICAL, the first state after start and the stop
     * are NOTICE.
     */
    Alert alert(StateChanged s) {
        Alert.Severity severity = s.to() == VrrpState.FAULT ? Alert.Severity.CRITICAL
                : s.from() == VrrpState.MASTER || (s.to() == VrrpState.MASTER && s.from() != VrrpState.INITIALIZE)
                ? Alert.Severity.WARNING : Alert.Severity.NOTICE;
        String owns = s.to() == VrrpState.MASTER ? "; this node owns " + String.join(", ", ha.virtualAddresses())
                : s.from() == VrrpState.MASTER ? "; this node released " + String.join(", ", ha.virtualAddresses())
                : "";
        return new Alert(s.at(), Alert.Kind.INSTANCE, "VRRP_" + s.vrid(), s.to().name(), severity, "VRRP "
                + s.vrid() + " on " + ha.networkInterface() + " (" + ha.role().configName() + ", priority "
                + ha.priority() + "): " + s.from() + " -> " + s.to() + " (" + s.reason() + ")"
                + s.peer().map(p -> ", peer " + Addresses.text(p)).orElse("") + owns);
    }

    /** One line for the start message: the VRRP settings and what this node replicates. */
    String describe() {
        return "VRRP " + ha.vrid() + " on " + ha.networkInterface() + ", priority " + ha.priority() + ", addresses "
                + String.join(", ", ha.virtualAddresses()) + "; " + ha.role().configName()
                + (isPrimary() ? ", replicating services to " : ", receiving services from ")
                + Addresses.text(ha.peer()) + " (port " + ha.replicationPort() + ")"
                + (ha.flowSyncPort().isPresent() ? ", flow sync on port " + ha.flowSyncPort().getAsInt() : "");
    }

    /** Stops everything this node started, in the order of the class documentation. Idempotent. */
    @Override
    public void close() {
        channels.stopReplication();
        pair.close(); // idempotent; on a node that never started it stops nothing that runs
        channels.close(); // flow sync, which kept syncing while the peer took over
    }
}
