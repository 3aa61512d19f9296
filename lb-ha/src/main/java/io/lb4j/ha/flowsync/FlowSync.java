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
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Flow-state sync between the two packet engines of a pair, so that after a takeover the new master sends every
 * established connection to the real server it already had (LVS's connection synchronisation daemon, over TCP).
 * Each node runs one, symmetric: it streams its own engine's flow changes to the peer and applies the peer's to its
 * own engine. In practice the master sends and the backup applies; after a takeover the roles swap by themselves.
 *
 * <pre>{@code
 * PacketEngine engine = HaPair.packetEngine(PacketEngine.builder("eth0"));   // journals its flows
 * FlowSync sync = FlowSync.builder(engine)
 *     .listen(new InetSocketAddress("10.0.0.1", 7791))   // where the peer's flows arrive
 *     .peer(new InetSocketAddress("10.0.0.2", 7791))     // where ours go
 *     .secret(secret)                                    // >= 16 bytes, the same on both nodes
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
 *   <li><b>Bounded, with deadlines:</b> connections are accepted from the peer's address only, a few at once; each
 *       frame must arrive whole within the {@linkplain Builder#frameTimeout frame timeout} of the previous one (the
 *       sender's heartbeat comes every second), a deadline per frame rather than per read
 *       ({@link #timeouts()}).</li>
 *   <li><b>Never silent:</b> a peer that cannot be reached, sends nothing authentic for longer than the frame
 *       timeout, or sends frames that do not verify is a {@link PeerState} per direction ({@link #senderStatus()},
 *       {@link #receiverStatus()}), a {@link PeerStateChanged} event ({@link #subscribe}) and a WARN.</li>
 *   <li><b>Batched and bounded:</b> changes leave in frames of up to {@value FlowWire#MAX_RECORDS} flows at most
 *       every 10 ms; the engine's journal is bounded and never blocks its packet thread (what overflows is counted by
 *       the engine and sent again by its periodic refresh).</li>
 *   <li><b>Catch-up:</b> on every (re)connection the sender first exports every live flow, so a backup that
 *       restarted learns the flows that exist; reconnects back off exponentially with jitter (about 100 ms
 *       doubling to at most 5 s).</li>
 *   <li><b>Best effort, like LVS:</b> a flow created in the last few milliseconds before the master dies may be
 *       missing on the backup (its client retransmits into a new flow only if it was still a SYN).</li>
 * </ul>
 * A sender thread, an accepting thread and one per received connection. Thread-safe.
 */
public final class FlowSync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FlowSync.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final PairHooks engine;   // the engine's flow journal and its flow table
    private final InetSocketAddress listen;
    private final InetSocketAddress peer;
    private final byte[] secret;
    private final int maxConnections;
    private final Duration frameTimeout;
    private final TaskClock clock;
    private final boolean ownsClock;
    private final PeerHealth senderHealth;
    private final PeerHealth receiverHealth;
    private final Reconnector reconnector;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private volatile boolean closed;
    private volatile PeerServer server;
    private Thread senderThread;

    private FlowSync(Builder b) {
        this.engine = PairHooks.of(b.engine);
        this.listen = b.listen;
        this.peer = b.peer;
        this.secret = b.secret;
        this.maxConnections = b.maxConnections;
        this.frameTimeout = b.frameTimeout;
        this.ownsClock = b.clock == null;
        this.clock = b.clock != null ? b.clock : TaskClock.system();
        this.senderHealth = new PeerHealth(PeerChannel.FLOW_SYNC_OUT, PeerHealth.text(peer), clock, LOG);
        this.receiverHealth = new PeerHealth(PeerChannel.FLOW_SYNC_IN, Addresses.text(peer.getAddress()), clock,
                LOG);
        this.reconnector = new Reconnector(peer, clock, senderHealth);
    }

    /**
     * A builder for the sync of {@code engine}, which must be built with {@link io.lb4j.ha.HaPair#packetEngine} (an
     * engine without a flow journal has nothing to send).
     */
    public static Builder builder(PacketEngine engine) {
        return new Builder(engine);
    }

    /**
     * Binds the listen address and starts the sender and receiver threads.
     *
     * @throws IllegalStateException when already started
     * @throws UncheckedIOException  when the listen address cannot be bound
     */
    public synchronized FlowSync start() {
        if (senderThread != null) {
            throw new IllegalStateException("flow sync already started (expected: start() once)");
        }
        server = PeerServer.start(listen, peer.getAddress(), maxConnections, "lb4j-flow-sync-in", this::receive,
                LOG);
        receiverHealth.watch(frameTimeout, "no flow sync frame from " + Addresses.text(peer.getAddress()));
        senderThread = Thread.ofPlatform().daemon().name("lb4j-flow-sync-out").start(
                () -> reconnector.run(this::stream, this::discardJournal));
        return this;
    }

    /** The address it listens on (with the actual port when bound to port 0); null before {@link #start}. */
    public InetSocketAddress listenAddress() {
        PeerServer s = server;
        return s == null ? null : s.address();
    }

    /** Flow changes sent to the peer since start. */
    public long sent() {
        return sent.get();
    }

    /** Flow changes received from the peer (authentic and decoded) since start. */
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

    /** Connections the sender made to the peer (each one starts with a full export). */
    public long connections() {
        return connections.get();
    }

    /** Received connections ended because a frame did not arrive whole within the frame timeout. */
    public long timeouts() {
        return timeouts.get();
    }

    /** Connections refused at once: from another address than the peer's, or beyond the connection limit. */
    public long refusedConnections() {
        PeerServer s = server;
        return s == null ? 0 : s.refused();
    }

    /** Failed connects to the peer and lost sending connections since start. */
    public long failures() {
        return reconnector.failures();
    }

    /** The peer as this node's sender sees it ({@link PeerChannel#FLOW_SYNC_OUT}). */
    public PeerStatus senderStatus() {
        return senderHealth.status();
    }

    /** The peer as this node's receiver sees it ({@link PeerChannel#FLOW_SYNC_IN}). */
    public PeerStatus receiverStatus() {
        return receiverHealth.status();
    }

    /** Registers a listener for every change of either direction's status; called on the channel's thread. */
    public Subscription subscribe(Consumer<? super PeerStateChanged> listener) {
        Subscription out = senderHealth.subscribe(listener);
        Subscription in = receiverHealth.subscribe(listener);
        return () -> {
            out.close();
            in.close();
        };
    }

    // ------------------------------------------------------------------ sender

    private void discardJournal() {
        while (!engine.pollFlowUpdates(FlowWire.MAX_RECORDS).isEmpty()) {
            // dropped on purpose
        }
    }

    private void stream(Socket s) throws IOException {
        DeadlineInputStream deadline = new DeadlineInputStream(s, clock);
        DataInputStream in = new DataInputStream(new BufferedInputStream(deadline));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 64 * 1024));
        deadline.expectWithin(frameTimeout.toNanos());
        byte[] challenge;
        try {
            challenge = ReplicationWire.challengeOf(ReplicationWire.readFrame(in, ReplicationWire.HELLO),
                    ReplicationWire.FLOWS_MAGIC, PeerHealth.text(peer), "flow sync receiver");
        } catch (ReplicationWire.RejectedFrameException e) {
            throw new Reconnector.PeerException(PeerState.REFUSING, e.getMessage());
        }
        connections.incrementAndGet();
        discardJournal();
        engine.exportFlows();
        senderHealth.report(PeerState.OK, "connected to " + PeerHealth.text(peer) + "; exported the live flows");
        long sequence = 0;
        long lastSent = System.nanoTime();
        while (!closed) {
            List<FlowUpdate> updates = engine.pollFlowUpdates(FlowWire.MAX_RECORDS);
            long now = System.nanoTime();
            if (updates.isEmpty() && now - lastSent < HEARTBEAT_NANOS) {
                LockSupport.parkNanos(BATCH_NANOS);
                continue;
            }
            // An empty frame is the heartbeat: a write to a peer that vanished fails within a few of them.
            byte[] body = FlowWire.encode(++sequence, updates);
            ReplicationWire.writeFrame(out, ReplicationWire.flows(secret, challenge, body));
            sent.addAndGet(updates.size());
            lastSent = now;
        }
    }

    // ------------------------------------------------------------------ receiver

    private void receive(Socket s) throws IOException {
        String from = PeerHealth.text((InetSocketAddress) s.getRemoteSocketAddress());
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
                reject(from, e.getMessage());
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
                receiverHealth.alive();
                receiverHealth.report(PeerState.INVALID, "a flow sync frame from " + from + " is authentic but"
                        + " malformed, skipped: " + e.getMessage());
                continue;
            }
            if (receiverHealth.status().state() == PeerState.INVALID) {
                receiverHealth.report(PeerState.OK, "receiving from " + from);
            }
            receiverHealth.heard("receiving from " + from);
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

    private void reject(String from, String why) {
        rejected.incrementAndGet();
        LOG.warn("rejected flow sync message from {}: {}", from, why);
        receiverHealth.report(PeerState.REFUSING, "a frame from " + from + " was refused: " + why);
    }

    /** Stops sending and receiving; the engine keeps its flows, the peer keeps what it learned. Idempotent. */
    @Override
    public void close() {
        closed = true;
        reconnector.close();
        PeerServer s = server;
        if (s != null) {
            s.close();
        }
        Thread t = senderThread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        senderHealth.close();
        receiverHealth.close();
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
        return "FlowSync[" + listen + " <- peer " + peer + "]";
    }

    /**
     * Builder for a {@link FlowSync}; listen address, peer address and secret are required. Not thread-safe.
     *
     * <p>Defaults: at most 4 received connections at once, frame timeout 10 s, a system clock owned and closed by
     * the sync.
     */
    public static final class Builder {
        private final PacketEngine engine;
        private InetSocketAddress listen;
        private InetSocketAddress peer;
        private byte[] secret;
        private int maxConnections = 4;
        private Duration frameTimeout = Duration.ofSeconds(10);
        private TaskClock clock;

        Builder(PacketEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        /** Where the peer's flow changes arrive (a management address of this node; port 0 picks one). */
        public Builder listen(InetSocketAddress address) {
            this.listen = Objects.requireNonNull(address, "listen");
            return this;
        }

        /**
         * The peer's listen address, where this node's flow changes go; connections arriving from any other IP
         * address are refused.
         */
        public Builder peer(InetSocketAddress address) {
            Objects.requireNonNull(address, "peer");
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("peer: " + address + " (expected: an IP address and port)");
            }
            this.peer = address;
            return this;
        }

        /** How many connections from the peer are received at once, 1-64 (default 4). */
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

        /** The shared secret, at least 16 bytes, the same on both nodes (may be the config-replication secret). */
        public Builder secret(byte[] secret) {
            this.secret = ReplicationWire.checkSecret(secret);
            return this;
        }

        /** @throws IllegalArgumentException naming the first missing setting */
        public FlowSync build() {
            if (listen == null) {
                throw new IllegalArgumentException("listen: unset (expected: this node's sync address)");
            }
            if (peer == null) {
                throw new IllegalArgumentException("peer: unset (expected: the other node's sync address)");
            }
            if (secret == null) {
                throw new IllegalArgumentException("secret: unset (expected: at least 16 bytes of shared secret)");
            }
            return new FlowSync(this);
        }
    }
}
