package io.lb4j.ha.flowsync;

import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.engine.packet.ha.FlowUpdate;
import io.lb4j.engine.packet.ha.PairHooks;
import io.lb4j.ha.internal.FlowWire;
import io.lb4j.ha.internal.ReplicationWire;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
 *       skipped.</li>
 *   <li><b>Batched and bounded:</b> changes leave in frames of up to {@value FlowWire#MAX_RECORDS} flows at most
 *       every 10 ms; the engine's journal is bounded and never blocks its packet thread (what overflows is counted by
 *       the engine and sent again by its periodic refresh).</li>
 *   <li><b>Catch-up:</b> on every (re)connection the sender first exports every live flow, so a backup that
 *       restarted learns the flows that exist; reconnects back off from 100 ms to 5 s.</li>
 *   <li><b>Best effort, like LVS:</b> a flow created in the last few milliseconds before the master dies may be
 *       missing on the backup (its client retransmits into a new flow only if it was still a SYN).</li>
 * </ul>
 * Two threads (sender, receiver). Thread-safe.
 */
public final class FlowSync implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FlowSync.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long HEARTBEAT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    private final PairHooks engine;   // the engine's flow journal and its flow table
    private final InetSocketAddress listen;
    private final InetSocketAddress peer;
    private final byte[] secret;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private volatile boolean closed;
    private volatile ServerSocket server;
    private volatile Socket senderSocket;
    private volatile Socket receiverSocket;
    private Thread senderThread;
    private Thread receiverThread;

    private FlowSync(Builder b) {
        this.engine = PairHooks.of(b.engine);
        this.listen = b.listen;
        this.peer = b.peer;
        this.secret = b.secret;
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
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(listen);
            server = s;
        } catch (IOException e) {
            throw new UncheckedIOException("flow sync could not listen on " + listen, e);
        }
        receiverThread = Thread.ofPlatform().daemon().name("lb4j-flow-sync-in").start(this::acceptLoop);
        senderThread = Thread.ofPlatform().daemon().name("lb4j-flow-sync-out").start(this::sendLoop);
        return this;
    }

    /** The address it listens on (with the actual port when bound to port 0); null before {@link #start}. */
    public InetSocketAddress listenAddress() {
        ServerSocket s = server;
        return s == null ? null : (InetSocketAddress) s.getLocalSocketAddress();
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

    // ------------------------------------------------------------------ sender

    private void sendLoop() {
        long backoff = MIN_BACKOFF_NANOS;
        while (!closed) {
            try (Socket s = new Socket()) {
                senderSocket = s;
                s.connect(peer, 2_000);
                s.setTcpNoDelay(true);
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                backoff = MIN_BACKOFF_NANOS;
                stream(s);
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.debug("flow sync to {} failed: {}", peer, e.toString());
                }
            } finally {
                senderSocket = null;
            }
            // Unconnected: what the journal holds now is covered by the export of the next connection.
            long until = System.nanoTime() + backoff;
            while (!closed && System.nanoTime() - until < 0) {
                discardJournal();
                LockSupport.parkNanos(BATCH_NANOS);
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
    }

    private void discardJournal() {
        while (!engine.pollFlowUpdates(FlowWire.MAX_RECORDS).isEmpty()) {
            // dropped on purpose
        }
    }

    private void stream(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 64 * 1024));
        byte[] challenge = ReplicationWire.challengeOf(ReplicationWire.readFrame(in), ReplicationWire.FLOWS_MAGIC,
                peer.toString(), "flow sync receiver");
        connections.incrementAndGet();
        discardJournal();
        engine.exportFlows();
        LOG.info("flow sync to {} connected; exporting the live flows", peer);
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

    private void acceptLoop() {
        while (!closed) {
            try (Socket s = server.accept()) {
                receiverSocket = s;
                s.setTcpNoDelay(true);
                s.setSoTimeout(READ_TIMEOUT_MILLIS); // the sender's heartbeat arrives every second
                receive(s);
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("flow sync connection ended: {}", e.toString());
                }
            } finally {
                receiverSocket = null;
            }
        }
    }

    private void receive(Socket s) throws IOException {
        String from = s.getRemoteSocketAddress().toString();
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 64 * 1024));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
        byte[] challenge = new byte[ReplicationWire.CHALLENGE_LENGTH];
        RANDOM.nextBytes(challenge);
        ReplicationWire.writeFrame(out, ReplicationWire.hello(ReplicationWire.FLOWS_MAGIC, challenge, 0, 0));
        long lastSequence = 0;
        while (!closed) {
            byte[] frame;
            try {
                frame = ReplicationWire.readVerified(in, secret, challenge, ReplicationWire.FLOWS);
            } catch (ReplicationWire.RejectedFrameException e) {
                reject(from, e.getMessage());
                return; // an unauthenticated peer gets no further hearing on this connection
            }
            if (frame == null || closed) {
                return;
            }
            FlowWire.Batch batch;
            try {
                batch = FlowWire.decode(frame, 1, frame.length - 1 - ReplicationWire.MAC_LENGTH);
            } catch (IllegalArgumentException e) {
                malformed.incrementAndGet();
                LOG.warn("flow sync frame from {} is authentic but malformed, skipped: {}", from, e.getMessage());
                continue;
            }
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
    }

    /** Stops both threads; the engine keeps its flows, the peer keeps what it learned. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (java.io.Closeable c : new java.io.Closeable[]{server, senderSocket, receiverSocket}) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    LOG.debug("closing a flow sync socket failed", e);
                }
            }
        }
        for (Thread t : new Thread[]{senderThread, receiverThread}) {
            if (t != null) {
                LockSupport.unpark(t);
                try {
                    t.join(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "FlowSync[" + listen + " <- peer " + peer + "]";
    }

    /** Builder for a {@link FlowSync}; listen address, peer address and secret are required. Not thread-safe. */
    public static final class Builder {
        private final PacketEngine engine;
        private InetSocketAddress listen;
        private InetSocketAddress peer;
        private byte[] secret;

        Builder(PacketEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        /** Where the peer's flow changes arrive (a management address of this node; port 0 picks one). */
        public Builder listen(InetSocketAddress address) {
            this.listen = Objects.requireNonNull(address, "listen");
            return this;
        }

        /** The peer's listen address, where this node's flow changes go. */
        public Builder peer(InetSocketAddress address) {
            this.peer = Objects.requireNonNull(address, "peer");
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
