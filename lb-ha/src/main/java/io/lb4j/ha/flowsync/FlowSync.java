package io.lb4j.ha.flowsync;

import io.lb4j.api.event.Subscription;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.engine.packet.ha.FlowUpdate;
import io.lb4j.engine.packet.ha.PairHooks;
import io.lb4j.ha.internal.DeadlineInputStream;
import io.lb4j.ha.internal.FlowWire;
import io.lb4j.ha.internal.PeerHealth;
import io.lb4j.ha.internal.PeerServer;
import io.lb4j.ha.internal.Reconnector;
import io.lb4j.ha.internal.ReplicationWire;
import io.lb4j.ha.peer.PeerChannel;
import io.lb4j.ha.peer.PeerState;
import io.lb4j.ha.peer.PeerStateChanged;
import io.lb4j.ha.peer.PeerStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Flow-state sync between packet engines, so that a node that receives an established connection (after a takeover
 * in a pair, or after ECMP moved the flow in an active-active cluster) sends it to the real server it already had
 * (LVS's connection synchronisation daemon, over TCP). Each node runs one, symmetric: it streams its own engine's
 * flow changes to every peer and applies every peer's to its own engine. In a pair the master sends and the backup
 * applies; after a takeover the roles swap by themselves. In a cluster of N nodes every node sends and applies.
 *
 * <pre>{@code
 * PacketEngine engine = HaPair.packetEngine(PacketEngine.builder("eth0"));   // journals its flows
 * FlowSync sync = FlowSync.builder(engine)
 *     .listen(new InetSocketAddress("10.0.0.1", 7791))   // where the peers' flows arrive
 *     .peer(new InetSocketAddress("10.0.0.2", 7791))     // where ours go (or .peers(..) for a cluster)
 *     .secret(secret)                                    // >= 16 bytes, the same on every node
 *     .build();
 * sync.start();                                          // after the balancer started the engine
 * }</pre>
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Authenticated, no other path:</b> every frame carries HMAC-SHA256 under the shared secret over a domain
 *       label, the receiver's random per-connection challenge and the whole frame; nothing is decoded before it
 *       verifies. A frame that does not verify is counted ({@link #rejected()}), logged with the peer's address and
 *       ends the connection; an authentic frame that does not decode is counted ({@link #malformed()}) and
 *       skipped. No more than a FLOWS frame's bound is read before the MAC verifies.</li>
 *   <li><b>Bounded, with deadlines:</b> connections are accepted from the peers' IP addresses only, a few at once;
 *       each frame must arrive whole within the {@linkplain Builder#frameTimeout frame timeout} of the previous one
 *       (the sender's heartbeat comes every second), a deadline per frame rather than per read
 *       ({@link #timeouts()}). Outgoing connections leave from the listen address (unless it is a wildcard), so
 *       that peers recognise them on a node with several addresses.</li>
 *   <li><b>Never silent:</b> a peer that cannot be reached, sends nothing authentic for longer than the frame
 *       timeout, or sends frames that do not verify is a {@link PeerState} per peer and direction
 *       ({@link #peerStatuses()}), a {@link PeerStateChanged} event ({@link #subscribe}, its detail names the peer)
 *       and a WARN.</li>
 *   <li><b>One peer never holds up another:</b> the engine's journal is drained once, by one thread, and fanned out
 *       to a bounded queue per connected peer, each streamed by its own thread. When a slow peer's queue is full,
 *       what does not fit is dropped for that peer only and counted ({@link #overflows()}); the engine's periodic
 *       refresh sends those flows again (each live flow once half its state's timeout has passed), and a
 *       reconnection exports them all. An unreachable peer is sent nothing until it is back. The engine's journal
 *       never blocks its packet thread either (what overflows there is counted by the engine and refreshed
 *       alike).</li>
 *   <li><b>Batched:</b> changes leave in frames of up to {@value FlowWire#MAX_RECORDS} flows; the journal is read
 *       every 10 ms.</li>
 *   <li><b>Catch-up:</b> on every (re)connection to a peer the engine exports every live flow, so a node that
 *       restarted learns the flows that exist. The export goes through the one journal, so the other connected
 *       peers receive those flows again too (harmless: an update of a flow they hold already, as the periodic
 *       refresh is; a per-peer snapshot would need a second reader of the flow table). It carries the flows this
 *       node learned from others as well, so a node that comes back may get a copy of a flow whose end it missed
 *       (its own node sent the removal while it was away); such a copy expires by its state's timeout. Reconnects
 *       back off exponentially with jitter (about 100 ms doubling to at most 5 s).</li>
 *   <li><b>Best effort, like LVS:</b> a flow created in the last few milliseconds before a node dies may be
 *       missing on the others (its client retransmits into a new flow only if it was still a SYN).</li>
 * </ul>
 * A journal thread, a sender thread per peer, an accepting thread and one per received connection. Counters are
 * sums over the peers. Thread-safe.
 */
public final class FlowSync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FlowSync.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Per peer: as many changes as the engine's journal holds, about 64 bytes each while queued. */
    static final int QUEUE_CAPACITY = 65_536;

    private final PairHooks engine;   // the engine's flow journal and its flow table
    private final InetSocketAddress listen;
    private final byte[] secret;
    private final int maxConnections;
    private final Duration frameTimeout;
    private final int queueCapacity;
    private final TaskClock clock;
    private final boolean ownsClock;
    private final List<Link> links;
    private final Map<InetAddress, PeerHealth> receiverHealth; // by the peer's address, in peer order
    private final AtomicBoolean exportWanted = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong overflows = new AtomicLong();
    private volatile boolean closed;
    private volatile PeerServer server;
    private Thread journalThread;

    /** One peer's sending side: its queue, its connection and how it is. */
    private final class Link {
        final InetSocketAddress peer;
        final PeerHealth health;
        final Reconnector reconnector;
        final ArrayBlockingQueue<FlowUpdate> queue;
        /** Whether the journal thread queues changes for this peer: only while a connection streams. */
        volatile boolean streaming;
        /** Whether changes were dropped for this peer since its queue was last empty (one WARN per episode). */
        volatile boolean lagging;
        Thread thread;

        Link(InetSocketAddress peer) {
            this.peer = peer;
            this.health = new PeerHealth(PeerChannel.FLOW_SYNC_OUT, PeerHealth.text(peer), clock, LOG);
            this.reconnector = new Reconnector(peer, listen.getAddress(), clock, health);
            this.queue = new ArrayBlockingQueue<>(queueCapacity);
        }

        void offer(List<FlowUpdate> updates) {
            for (int i = 0; i < updates.size(); i++) {
                if (!queue.offer(updates.get(i))) {
                    long dropped = updates.size() - i;
                    if (!lagging) {
                        LOG.warn("flow sync to {}: the peer is {} changes behind; dropping changes for it until it"
                                + " caught up (the periodic refresh sends the flows again)", PeerHealth.text(peer),
                                queue.size());
                    }
                    lagging = true;
                    overflows.addAndGet(dropped);
                    return;
                }
            }
        }
    }

    private FlowSync(Builder b) {
        this.engine = b.engine;
        this.listen = b.listen;
        this.secret = b.secret;
        this.maxConnections = b.maxConnections != null ? b.maxConnections : Math.min(64, 4 * b.peers.size());
        this.frameTimeout = b.frameTimeout;
        this.queueCapacity = b.queueCapacity;
        this.ownsClock = b.clock == null;
        this.clock = b.clock != null ? b.clock : TaskClock.system();
        List<Link> l = new ArrayList<>();
        Map<InetAddress, PeerHealth> in = new LinkedHashMap<>();
        for (InetSocketAddress peer : b.peers) {
            l.add(new Link(peer));
            in.put(peer.getAddress(), new PeerHealth(PeerChannel.FLOW_SYNC_IN, Addresses.text(peer.getAddress()),
                    clock, LOG));
        }
        this.links = List.copyOf(l);
        this.receiverHealth = Collections.unmodifiableMap(in);
    }

    /**
     * A packet engine that journals its flows for a sync and answers for its VIPs from start: a node of an
     * active-active cluster, where the routers, not VRRP, decide who receives a VIP's traffic (a pair node's engine
     * comes from {@link io.lb4j.ha.HaPair#packetEngine}, which also starts it in standby).
     *
     * <pre>{@code
     * PacketEngine engine = FlowSync.packetEngine(PacketEngine.builder("eth0"));
     * }</pre>
     */
    public static PacketEngine packetEngine(PacketEngine.Builder builder) {
        PacketEngine engine = Objects.requireNonNull(builder, "builder").build();
        PairHooks.of(engine).journalFlows();
        return engine;
    }

    /**
     * A builder for the sync of {@code engine}, which must be built with {@link #packetEngine} or
     * {@link io.lb4j.ha.HaPair#packetEngine} (an engine without a flow journal has nothing to send).
     */
    public static Builder builder(PacketEngine engine) {
        return new Builder(PairHooks.of(Objects.requireNonNull(engine, "engine")));
    }

    /** A builder over the engine's hooks directly (tests drive a flow table of their own through it). */
    static Builder builder(PairHooks hooks) {
        return new Builder(Objects.requireNonNull(hooks, "hooks"));
    }

    /**
     * Binds the listen address and starts the journal, sender and receiver threads.
     *
     * @throws IllegalStateException when already started
     * @throws UncheckedIOException  when the listen address cannot be bound
     */
    public synchronized FlowSync start() {
        if (journalThread != null) {
            throw new IllegalStateException("flow sync already started (expected: start() once)");
        }
        server = PeerServer.start(listen, receiverHealth.keySet(), maxConnections, "lb4j-flow-sync-in",
                this::receive, LOG);
        receiverHealth.forEach((peer, health) -> health.watch(frameTimeout, "no flow sync frame from "
                + Addresses.text(peer)));
        journalThread = Thread.ofPlatform().daemon().name("lb4j-flow-sync-journal").start(this::fanOut);
        for (Link link : links) {
            link.thread = Thread.ofPlatform().daemon().name("lb4j-flow-sync-out-" + PeerHealth.text(link.peer))
                    .start(() -> link.reconnector.run(s -> stream(link, s), () -> { }));
        }
        return this;
    }

    /** The address it listens on (with the actual port when bound to port 0); null before {@link #start}. */
    public InetSocketAddress listenAddress() {
        PeerServer s = server;
        return s == null ? null : s.address();
    }

    /** Flow changes sent to the peers since start (a change sent to two peers counts twice). */
    public long sent() {
        return sent.get();
    }

    /** Flow changes received from the peers (authentic and decoded) since start. */
    public long received() {
        return received.get();
    }

    /** Received flow changes the engine applied (the others named a service or backend this node lacks). */
    public long applied() {
        return applied.get();
    }

    /** Frames rejected because they did not authenticate (bad or missing HMAC, wrong type, bad length). */
    public long rejected() {
        return rejected.get();
    }

    /** Authentic frames that did not decode, or repeated an old sequence number. */
    public long malformed() {
        return malformed.get();
    }

    /** Connections the senders made to the peers (each one starts with a full export). */
    public long connections() {
        return connections.get();
    }

    /** Received connections ended because a frame did not arrive whole within the frame timeout. */
    public long timeouts() {
        return timeouts.get();
    }

    /**
     * Flow changes dropped for a connected peer whose queue was full (it was too slow); the engine's periodic refresh
     * sends the flows again.
     */
    public long overflows() {
        return overflows.get();
    }

    /** Connections refused at once: from another address than the peers', or beyond the connection limit. */
    public long refusedConnections() {
        PeerServer s = server;
        return s == null ? 0 : s.refused();
    }

    /** Failed connects to the peers and lost sending connections since start. */
    public long failures() {
        long sum = 0;
        for (Link link : links) {
            sum += link.reconnector.failures();
        }
        return sum;
    }

    /** The first peer as this node's sender sees it ({@link PeerChannel#FLOW_SYNC_OUT}); for a pair, the peer. */
    public PeerStatus senderStatus() {
        return links.getFirst().health.status();
    }

    /** The first peer as this node's receiver sees it ({@link PeerChannel#FLOW_SYNC_IN}); for a pair, the peer. */
    public PeerStatus receiverStatus() {
        return receiverHealth.values().iterator().next().status();
    }

    /**
     * Every peer's status, in the order the peers were given: for each its sender's view
     * ({@link PeerChannel#FLOW_SYNC_OUT}), then its receiver's ({@link PeerChannel#FLOW_SYNC_IN}).
     */
    public List<PeerStatus> peerStatuses() {
        List<PeerStatus> all = new ArrayList<>(links.size() * 2);
        for (Link link : links) {
            all.add(link.health.status());
            all.add(receiverHealth.get(link.peer.getAddress()).status());
        }
        return List.copyOf(all);
    }

    /**
     * Registers a listener for every change of any peer's status, either direction; called on the channel's thread.
     */
    public Subscription subscribe(Consumer<? super PeerStateChanged> listener) {
        List<Subscription> subscriptions = new ArrayList<>();
        links.forEach(link -> subscriptions.add(link.health.subscribe(listener)));
        receiverHealth.values().forEach(h -> subscriptions.add(h.subscribe(listener)));
        return () -> subscriptions.forEach(Subscription::close);
    }

    // ------------------------------------------------------------------ sender

    // The journal's single consumer: takes each change once and queues it for every peer that streams now.
    private void fanOut() {
        while (!closed) {
            if (exportWanted.getAndSet(false)) {
                engine.exportFlows();
            }
            List<FlowUpdate> updates = engine.pollFlowUpdates(FlowWire.MAX_RECORDS);
            if (updates.isEmpty()) {
                LockSupport.parkNanos(BATCH_NANOS);
                continue;
            }
            for (Link link : links) {
                if (link.streaming) {
                    link.offer(updates);
                }
            }
        }
    }

    private void stream(Link link, Socket s) throws IOException {
        DeadlineInputStream deadline = new DeadlineInputStream(s, clock);
        DataInputStream in = new DataInputStream(new BufferedInputStream(deadline));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 64 * 1024));
        deadline.expectWithin(frameTimeout.toNanos());
        String peer = PeerHealth.text(link.peer);
        byte[] challenge;
        try {
            challenge = ReplicationWire.challengeOf(ReplicationWire.readFrame(in, ReplicationWire.HELLO),
                    ReplicationWire.FLOWS_MAGIC, peer, "flow sync receiver");
        } catch (ReplicationWire.RejectedFrameException e) {
            throw new Reconnector.PeerException(PeerState.REFUSING, e.getMessage());
        }
        connections.incrementAndGet();
        link.queue.clear(); // what queued before is superseded by the export
        link.lagging = false;
        link.streaming = true;
        exportWanted.set(true);
        LockSupport.unpark(journalThread);
        link.health.report(PeerState.OK, "connected to " + peer + "; exporting the live flows");
        try {
            long sequence = 0;
            long lastSent = System.nanoTime();
            List<FlowUpdate> batch = new ArrayList<>(FlowWire.MAX_RECORDS);
            while (!closed) {
                FlowUpdate first;
                try {
                    first = link.queue.poll(BATCH_NANOS, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (first != null) {
                    batch.add(first);
                    link.queue.drainTo(batch, FlowWire.MAX_RECORDS - 1);
                } else if (link.lagging) {
                    link.lagging = false;
                    LOG.info("flow sync to {}: caught up; {} changes dropped for slow peers so far", peer,
                            overflows.get());
                }
                long now = System.nanoTime();
                if (batch.isEmpty() && now - lastSent < HEARTBEAT_NANOS) {
                    continue;
                }
                // An empty frame is the heartbeat: a write to a peer that vanished fails within a few of them.
                byte[] body = FlowWire.encode(++sequence, batch);
                ReplicationWire.writeFrame(out, ReplicationWire.flows(secret, challenge, body));
                sent.addAndGet(batch.size());
                batch.clear();
                lastSent = now;
            }
        } finally {
            link.streaming = false;
            link.queue.clear();
        }
    }

    // ------------------------------------------------------------------ receiver

    private void receive(Socket s) throws IOException {
        String from = PeerHealth.text((InetSocketAddress) s.getRemoteSocketAddress());
        PeerHealth health = receiverHealth.get(s.getInetAddress()); // PeerServer let only the peers in
        DeadlineInputStream deadline = new DeadlineInputStream(s, clock);
        DataInputStream in = new DataInputStream(new BufferedInputStream(deadline, 64 * 1024));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
        byte[] challenge = new byte[ReplicationWire.CHALLENGE_LENGTH];
        RANDOM.nextBytes(challenge);
        deadline.expectWithin(frameTimeout.toNanos());
        ReplicationWire.writeFrame(out, ReplicationWire.hello(ReplicationWire.FLOWS_MAGIC, challenge, 0, 0));
        long lastSequence = 0;
        while (!closed) {
            byte[] frame;
            try {
                frame = ReplicationWire.readVerified(in, secret, challenge, ReplicationWire.FLOWS);
            } catch (ReplicationWire.RejectedFrameException e) {
                reject(health, from, e.getMessage());
                return; // an unauthenticated peer gets no further hearing on this connection
            } catch (DeadlineInputStream.FrameTimeoutException e) {
                timeouts.incrementAndGet();
                LOG.warn("flow sync from {}: {}; closing the connection", from, e.getMessage());
                return;
            }
            if (frame == null || closed) {
                return;
            }
            deadline.expectWithin(frameTimeout.toNanos());
            FlowWire.Batch batch;
            try {
                batch = FlowWire.decode(frame, 1, frame.length - 1 - ReplicationWire.MAC_LENGTH);
            } catch (RuntimeException e) {
                // Authentic yet unusable: skipped and counted; the connection goes on with the next frame.
                malformed.incrementAndGet();
                health.alive();
                health.report(PeerState.INVALID, "a flow sync frame from " + from + " is authentic but"
                        + " malformed, skipped: " + e.getMessage());
                continue;
            }
            if (health.status().state() == PeerState.INVALID) {
                health.report(PeerState.OK, "receiving from " + from);
            }
            health.heard("receiving from " + from);
            if (batch.sequence() <= lastSequence) {
                malformed.incrementAndGet();
                LOG.warn("flow sync frame from {} repeats sequence {} (last {}), skipped", from, batch.sequence(),
                        lastSequence);
                continue;
            }
            lastSequence = batch.sequence();
            if (batch.updates().isEmpty()) {
                continue;
            }
            received.addAndGet(batch.updates().size());
            try {
                applied.addAndGet(engine.applyFlowUpdates(batch.updates()));
            } catch (IllegalStateException e) {
                LOG.warn("flow sync: {} flow changes from {} not applied: {}", batch.updates().size(), from,
                        e.getMessage());
            }
        }
    }

    private void reject(PeerHealth health, String from, String why) {
        rejected.incrementAndGet();
        LOG.warn("rejected flow sync message from {}: {}", from, why);
        health.report(PeerState.REFUSING, "a frame from " + from + " was refused: " + why);
    }

    /** Stops sending and receiving; the engine keeps its flows, the peers keep what they learned. Idempotent. */
    @Override
    public void close() {
        closed = true;
        links.forEach(link -> link.reconnector.close());
        PeerServer s = server;
        if (s != null) {
            s.close();
        }
        List<Thread> threads = new ArrayList<>();
        synchronized (this) {
            if (journalThread != null) {
                threads.add(journalThread);
                links.forEach(link -> threads.add(link.thread));
            }
        }
        for (Thread t : threads) {
            LockSupport.unpark(t);
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        links.forEach(link -> link.health.close());
        receiverHealth.values().forEach(PeerHealth::close);
        if (ownsClock && clock instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing the flow sync clock failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "FlowSync[" + listen + " <-> " + links.stream().map(l -> PeerHealth.text(l.peer)).toList() + "]";
    }

    /**
     * Builder for a {@link FlowSync}; listen address, at least one peer and secret are required. Not thread-safe.
     *
     * <p>Defaults: at most 4 received connections at once per peer, frame timeout 10 s, a system clock owned and
     * closed by the sync.
     */
    public static final class Builder {
        private final PairHooks engine;
        private InetSocketAddress listen;
        private List<InetSocketAddress> peers = List.of();
        private byte[] secret;
        private Integer maxConnections;
        private Duration frameTimeout = Duration.ofSeconds(10);
        private int queueCapacity = QUEUE_CAPACITY;
        private TaskClock clock;

        Builder(PairHooks engine) {
            this.engine = engine;
        }

        /** Where the peers' flow changes arrive (a management address of this node; port 0 picks one). */
        public Builder listen(InetSocketAddress address) {
            this.listen = Objects.requireNonNull(address, "listen");
            return this;
        }

        /**
         * The one peer of a pair: its listen address, where this node's flow changes go; connections arriving from
         * any other IP address are refused. The same as {@code peers(List.of(address))}.
         */
        public Builder peer(InetSocketAddress address) {
            return peers(List.of(Objects.requireNonNull(address, "peer")));
        }

        /**
         * Every other node of a cluster: their listen addresses, where this node's flow changes go, each IP address
         * once (a receiver tells its peers apart by address); connections arriving from any other IP address are
         * refused. Replaces what {@link #peer} or an earlier call set.
         *
         * @throws IllegalArgumentException when the list is empty, an address is unresolved, or an IP address is
         *                                  listed twice
         */
        public Builder peers(Collection<InetSocketAddress> addresses) {
            List<InetSocketAddress> list = List.copyOf(Objects.requireNonNull(addresses, "peers"));
            if (list.isEmpty()) {
                throw new IllegalArgumentException("peers: [] (expected: at least one other node's sync address)");
            }
            Set<InetAddress> seen = new HashSet<>();
            for (InetSocketAddress a : list) {
                if (a.isUnresolved()) {
                    throw new IllegalArgumentException("peer: " + a + " (expected: an IP address and port)");
                }
                if (!seen.add(a.getAddress())) {
                    throw new IllegalArgumentException("peers: " + Addresses.text(a.getAddress()) + " twice"
                            + " (expected: each node's IP address once)");
                }
            }
            this.peers = list;
            return this;
        }

        /**
         * How many connections are received at once, 1-64; default 4 per peer (a peer's reconnect may overlap its
         * old connection's end).
         */
        public Builder maxConnections(int max) {
            this.maxConnections = ReplicationWire.checkMaxConnections(max);
            return this;
        }

        /** How long each frame may take to arrive whole after the previous one: 2 s to 10 min, default 10 s. */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = ReplicationWire.checkFrameTimeout(timeout);
            return this;
        }

        /** The clock for frame deadlines, the silence watchdog and reconnect delays; default a system clock. */
        public Builder clock(TaskClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The shared secret, at least 16 bytes, the same on every node (may be the config-replication secret). */
        public Builder secret(byte[] secret) {
            this.secret = ReplicationWire.checkSecret(secret);
            return this;
        }

        /** Each peer's queue, in flow changes (tests make it small to see a slow peer overflow). */
        Builder queueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("queueCapacity: " + capacity + " (expected: >= 1)");
            }
            this.queueCapacity = capacity;
            return this;
        }

        /** @throws IllegalArgumentException naming the first missing setting */
        public FlowSync build() {
            if (listen == null) {
                throw new IllegalArgumentException("listen: unset (expected: this node's sync address)");
            }
            if (peers.isEmpty()) {
                throw new IllegalArgumentException("peer: unset (expected: the other node's sync address)");
            }
            if (secret == null) {
                throw new IllegalArgumentException("secret: unset (expected: at least 16 bytes of shared secret)");
            }
            return new FlowSync(this);
        }
    }
}
