package io.lb4j.appliance;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.appliance.config.ClusterConfig;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.ha.flowsync.FlowSync;
import io.lb4j.ha.peer.PeerStatus;
import io.lb4j.ha.replication.ConfigPublisher;
import io.lb4j.ha.replication.ConfigReceiver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What a node of an active-active cluster shares with the other nodes ({@code cluster.peers} in the file): the
 * primary's services (its {@link ConfigPublisher} pushes every list to each other node's {@link ConfigReceiver}) and
 * every node's flows ({@link FlowSync} to every other node, packet engine only), so that a flow ECMP moves to another
 * node goes on to the same real server. A pair node ({@link ClusteredNode}) uses the same channels toward its one
 * peer ({@code HaConfig.replication()}).
 *
 * <p>Two steps, as a pair node: {@link #prepare} reads the secret and builds flow sync without opening a socket (so
 * {@code --check} refuses what a start would); {@link #start()} starts flow sync, then the publisher (primary) or the
 * receiver (the others), after the balancer started. {@link #close()} stops replication, then flow sync. Not
 * thread-safe: the runner calls it under its own lock ({@link #peerStatuses()} from any thread).
 */
final class ClusterReplication implements ServiceReplication, AutoCloseable {

    private final ClusterConfig.Replication config;
    private final LoadBalancer balancer;
    private final FlowSync flowSync; // null unless the engine is the packet engine
    /** Kept from prepare to start; zeroed once every channel has its own copy, or on close. */
    private final byte[] secret;
    private boolean started;
    private volatile ConfigPublisher publisher;
    private volatile ConfigReceiver receiver;
    private Runnable changeListener; // set before start, or null

    private ClusterReplication(ClusterConfig.Replication config, LoadBalancer balancer, ForwardingEngine engine,
                               byte[] secret) {
        this.config = config;
        this.balancer = balancer;
        this.secret = secret;
        this.flowSync = engine instanceof PacketEngine p ? FlowSync.builder(p).listen(config.flowSyncListen())
                .peers(config.flowSyncPeers()).secret(secret).build() : null;
    }

    /**
     * Reads the secret and builds flow sync; nothing is opened or started.
     *
     * @param engine the balancer's engine, from {@code EngineConfig.createSyncingFlows()}, not yet started
     * @throws RuntimeException when the secret cannot be read or a part refuses its settings; the secret read is
     *                          overwritten
     */
    static ClusterReplication prepare(ClusterConfig.Replication config, LoadBalancer balancer,
                                      ForwardingEngine engine) {
        return prepare(config, balancer, engine, config.readSecret());
    }

    /**
     * As {@link #prepare(ClusterConfig.Replication, LoadBalancer, ForwardingEngine)} with the secret the caller read
     * (a pair node reads it under its own section's name); the array is zeroed once every channel has its copy, or
     * on failure.
     */
    static ClusterReplication prepare(ClusterConfig.Replication config, LoadBalancer balancer,
                                      ForwardingEngine engine, byte[] secret) {
        try {
            return new ClusterReplication(config, balancer, engine, secret);
        } catch (RuntimeException e) {
            Arrays.fill(secret, (byte) 0);
            throw e;
        }
    }

    /**
     * Starts flow sync, then the publisher or the receiver; after the balancer started.
     *
     * @throws IllegalStateException when already started
     * @throws RuntimeException      from whichever part could not start (a port in use); nothing stays running
     */
    void start() {
        if (started) {
            throw new IllegalStateException("cluster replication already started (expected: start() once)");
        }
        started = true;
        Runnable listener = changeListener;
        try {
            if (flowSync != null) {
                if (listener != null) {
                    flowSync.subscribe(e -> listener.run());
                }
                flowSync.start();
            }
            if (config.isPrimary()) {
                ConfigPublisher p = ConfigPublisher.builder(balancer).peers(config.replicationPeers())
                        .source(config.listen()).secret(secret).stateDirectory(config.stateDirectory()).build();
                if (listener != null) {
                    p.subscribe(e -> listener.run());
                }
                publisher = p; // before start: a start that fails is closed with the rest
                p.start();
            } else {
                ConfigReceiver r = ConfigReceiver.builder(balancer).listen(config.replicationListen())
                        .peer(config.primary()).secret(secret).build();
                if (listener != null) {
                    r.subscribe(e -> listener.run());
                }
                receiver = r;
                r.start();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        } finally {
            Arrays.fill(secret, (byte) 0); // every channel keeps its own copy
        }
    }

    @Override
    public boolean isPrimary() {
        return config.isPrimary();
    }

    @Override
    public long reconfigure(Collection<VirtualService> services) {
        ConfigPublisher p = publisher;
        if (p == null) {
            throw new IllegalStateException("this node's services are replicated from the cluster's primary "
                    + Addresses.text(config.primary()) + " (cluster.primary); change them there");
        }
        return p.reconfigure(services);
    }

    /** Every channel to every other node: the publisher's or the receiver's, then flow sync's. */
    List<PeerStatus> peerStatuses() {
        List<PeerStatus> all = new ArrayList<>();
        ConfigPublisher p = publisher;
        ConfigReceiver r = receiver;
        if (p != null) {
            all.addAll(p.peerStatuses());
        }
        if (r != null) {
            all.add(r.status());
        }
        if (flowSync != null) {
            all.addAll(flowSync.peerStatuses());
        }
        return List.copyOf(all);
    }

    /** Runs {@code listener} after every change of any channel's status; before {@link #start()}. */
    void onChange(Runnable listener) {
        this.changeListener = Objects.requireNonNull(listener, "listener");
    }

    /** The config publisher once started on the primary, else null. */
    ConfigPublisher publisher() {
        return publisher;
    }

    /** The config receiver once started on the other nodes, else null. */
    ConfigReceiver receiver() {
        return receiver;
    }

    /** Flow sync, or null without the packet engine. */
    FlowSync flowSync() {
        return flowSync;
    }

    /** One line for the start message. */
    String describe() {
        String peers = config.peers().stream().map(Addresses::text).collect(Collectors.joining(", "));
        return (isPrimary() ? "primary, replicating services to " + peers
                : "receiving services from the primary " + Addresses.text(config.primary()))
                + " (port " + config.replicationPort() + ")"
                + (config.flowSyncPort().isPresent() ? ", flow sync with " + peers + " on port "
                + config.flowSyncPort().getAsInt() : "");
    }

    /** Stops replication, then flow sync. Idempotent. */
    @Override
    public void close() {
        stopReplication();
        if (flowSync != null) {
            flowSync.close();
        }
    }

    /**
     * Stops the publisher or receiver and keeps flow sync: a pair node stops replication before it resigns and
     * keeps syncing flows while the peer takes over. Idempotent.
     */
    void stopReplication() {
        Arrays.fill(secret, (byte) 0);
        ConfigPublisher p = publisher;
        if (p != null) {
            p.close();
            publisher = null;
        }
        ConfigReceiver r = receiver;
        if (r != null) {
            r.close();
            receiver = null;
        }
    }
}
