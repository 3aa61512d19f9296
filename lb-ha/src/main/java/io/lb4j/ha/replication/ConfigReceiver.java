package io.lb4j.ha.replication;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.Subscription;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.ha.internal.DeadlineInputStream;
import io.lb4j.ha.internal.PeerHealth;
import io.lb4j.ha.internal.PeerServer;
import io.lb4j.ha.internal.ReplicationWire;
import io.lb4j.ha.internal.ServiceCodec;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The secondary's end of config replication: accepts the primary's TCP connection, and applies each authenticated
 * service list to the local {@link LoadBalancer} with {@code reconfigure} (atomic: the balancer switches to the new
 * set in one step or, when the set is invalid, keeps the old one).
 *
 * <pre>{@code
 * ConfigReceiver receiver = ConfigReceiver.builder(secondaryLb)
 *     .listen(new InetSocketAddress("10.0.0.2", 7790))   // this node's replication address
 *     .peer(InetAddress.ofLiteral("10.0.0.1"))           // connections from any other address are refused
 *     .secret(secret)
 *     .build().start();
 * }</pre>
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Connections are accepted from the {@linkplain Builder#peer peer's address} only, at most
 *       {@linkplain Builder#maxConnections a few} at once, each served on its own thread; one idle or slow
 *       connection never holds up another.</li>
 *   <li>Every frame must arrive whole within the {@linkplain Builder#frameTimeout frame timeout} of the previous one
 *       (the primary sends a heartbeat every second while idle): a deadline per frame, not per read, so a peer
 *       trickling bytes is cut off too ({@link #timeouts()}).</li>
 *   <li>Only a frame whose HMAC-SHA256 under the shared secret verifies, for this connection's random challenge, is
 *       ever decoded, and no more than its type's bound is read before it verifies; a frame that does not verify is
 *       counted ({@link #rejected()}), logged with the peer's address, and ends the connection.</li>
 *   <li>An authentic list that cannot be decoded or applied is answered INVALID and counted ({@link #invalid()});
 *       the connection and the current configuration stay.</li>
 *   <li>Versions only move forward: a list older than or equal to the applied one is answered STALE, counted
 *       ({@link #stale()}) and not applied.</li>
 *   <li>Never silently stale: a primary that sends nothing authentic for longer than the frame timeout, sends stale
 *       or invalid lists or frames that do not verify is a {@link PeerState} ({@link #status()}), a
 *       {@link PeerStateChanged} event ({@link #subscribe}) and a WARN.</li>
 * </ul>
 * Nothing but the service list is replicated. Thread-safe.
 */
public final class ConfigReceiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReceiver.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LoadBalancer balancer;
    private final InetSocketAddress listen;
    private final InetAddress peer;
    private final byte[] secret;
    private final int maxConnections;
    private final Duration frameTimeout;
    private final TaskClock clock;
    private final boolean ownsClock;
    private final PeerHealth health;
    private volatile PeerServer server;
    private volatile boolean closed;
    // Guarded by this.
    private long appliedEpoch;
    private long appliedSequence;
    private long applied;
    private long rejected;
    private long invalid;
    private long stale;
    private long timeouts;

    private ConfigReceiver(Builder b) {
        this.balancer = b.balancer;
        this.listen = b.listen;
        this.peer = b.peer;
        this.secret = b.secret;
        this.maxConnections = b.maxConnections;
        this.frameTimeout = b.frameTimeout;
        this.ownsClock = b.clock == null;
        this.clock = b.clock != null ? b.clock : TaskClock.system();
        this.health = new PeerHealth(PeerChannel.CONFIG_RECEIVER, Addresses.text(peer), clock, LOG);
    }

    /** A builder applying what the primary sends to {@code balancer}; listen, peer and secret are required. */
    public static Builder builder(LoadBalancer balancer) {
        return new Builder(balancer);
    }

    /**
     * Listens and serves the primary.
     *
     * @throws IllegalStateException when already started
     * @throws UncheckedIOException  when the address cannot be bound
     */
    public synchronized ConfigReceiver start() {
        if (server != null || closed) {
            throw new IllegalStateException("config receiver already started (expected: start() once)");
        }
        server = PeerServer.start(listen, peer, maxConnections, "lb4j-config-receiver", this::serve, LOG);
        health.watch(frameTimeout, "nothing authentic from the primary " + Addresses.text(peer));
        return this;
    }

    /** The address it listens on (with the actual port when bound to port 0); null before {@link #start()}. */
    public InetSocketAddress address() {
        PeerServer s = server;
        return s == null ? null : s.address();
    }

    /** Service lists applied since start. */
    public synchronized long applied() {
        return applied;
    }

    /** Frames rejected because they were not authentic (bad or missing HMAC, wrong type, bad length). */
    public synchronized long rejected() {
        return rejected;
    }

    /** Authentic lists that could not be decoded or applied (the old configuration stayed). */
    public synchronized long invalid() {
        return invalid;
    }

    /** Authentic lists older than or equal to the applied one, answered STALE. */
    public synchronized long stale() {
        return stale;
    }

    /** Connections ended because a frame did not arrive whole within the frame timeout. */
    public synchronized long timeouts() {
        return timeouts;
    }

    /** Connections refused at once: from another address than the peer's, or beyond the connection limit. */
    public long refusedConnections() {
        PeerServer s = server;
        return s == null ? 0 : s.refused();
    }

    /** The version of the applied list as {@code epoch:sequence}, {@code 0:0} before the first. */
    public synchronized String appliedVersion() {
        return appliedEpoch + ":" + appliedSequence;
    }

    /** The primary as this receiver sees it now. */
    public PeerStatus status() {
        return health.status();
    }

    /** Registers a listener for every change of {@link #status()}; called on a connection's thread, in order. */
    public Subscription subscribe(Consumer<? super PeerStateChanged> listener) {
        return health.subscribe(listener);
    }

    private void serve(Socket s) throws IOException {
        String from = PeerHealth.text((InetSocketAddress) s.getRemoteSocketAddress());
        DeadlineInputStream deadline = new DeadlineInputStream(s, clock);
        DataInputStream in = new DataInputStream(new BufferedInputStream(deadline));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
        byte[] challenge = new byte[ReplicationWire.CHALLENGE_LENGTH];
        RANDOM.nextBytes(challenge);
        deadline.expectWithin(frameTimeout.toNanos());
        byte[] hello;
        synchronized (this) {
            hello = ReplicationWire.hello(challenge, appliedEpoch, appliedSequence);
        }
        ReplicationWire.writeFrame(out, hello);
        while (!closed) {
            byte[] frame;
            try {
                frame = ReplicationWire.readVerified(in, secret, challenge, ReplicationWire.CONFIG,
                        ReplicationWire.PING);
            } catch (ReplicationWire.RejectedFrameException e) {
                reject(from, e.getMessage());
                return; // an unauthenticated peer gets no further hearing on this connection
            } catch (DeadlineInputStream.FrameTimeoutException e) {
                synchronized (this) {
                    timeouts++;
                }
                LOG.warn("config replication from {}: {}; closing the connection", from, e.getMessage());
                return;
            }
            if (frame == null || closed) {
                return; // a closed receiver applies nothing more, even what was already on its way
            }
            deadline.expectWithin(frameTimeout.toNanos());
            if (frame[0] == ReplicationWire.PING) {
                health.heard("heartbeat from " + from);
                long[] held = held();
                ReplicationWire.writeFrame(out, ReplicationWire.ack(secret, challenge, held[0], held[1],
                        ReplicationWire.STATUS_ALIVE));
                continue;
            }
            ByteBuffer b = ByteBuffer.wrap(frame, 1, 16);
            long epoch = b.getLong();
            long sequence = b.getLong();
            byte[] json = Arrays.copyOfRange(frame, 17, frame.length - ReplicationWire.MAC_LENGTH);
            health.alive(); // apply() reports the state: APPLIED, STALE or INVALID
            byte status = apply(from, epoch, sequence, json);
            ReplicationWire.writeFrame(out, ReplicationWire.ack(secret, challenge, epoch, sequence, status));
        }
    }

    private synchronized long[] held() {
        return new long[]{appliedEpoch, appliedSequence};
    }

    private byte apply(String from, long epoch, long sequence, byte[] json) {
        String version = epoch + ":" + sequence;
        PeerState state;
        String detail;
        byte status;
        synchronized (this) {
            if (epoch < appliedEpoch || epoch == appliedEpoch && sequence <= appliedSequence) {
                stale++;
                state = PeerState.STALE;
                detail = "the primary " + from + " sent " + version + ", not newer than the applied " + appliedEpoch
                        + ":" + appliedSequence + "; not applied (its epoch went back: see its state directory)";
                status = ReplicationWire.STATUS_STALE;
            } else {
                try {
                    List<VirtualService> services = ServiceCodec.decode(json);
                    balancer.reconfigure(services);
                    appliedEpoch = epoch;
                    appliedSequence = sequence;
                    applied++;
                    state = PeerState.OK;
                    detail = "applied " + version + " from " + from + " (" + services.size() + " services)";
                    status = ReplicationWire.STATUS_APPLIED;
                    LOG.info("applied replicated configuration {}", detail);
                } catch (RuntimeException e) {
                    // Authentic yet unusable (a field missing, a duration that does not parse, a set the balancer
                    // refuses): answered INVALID, and this connection goes on serving the next version.
                    invalid++;
                    state = PeerState.INVALID;
                    detail = "configuration " + version + " from " + from + " is authentic but invalid; keeping the"
                            + " current one: " + e;
                    status = ReplicationWire.STATUS_INVALID;
                    LOG.error("replicated {}", detail);
                }
            }
        }
        health.report(state, detail); // outside the lock: listeners run here
        return status;
    }

    private void reject(String from, String why) {
        synchronized (this) {
            rejected++;
        }
        LOG.warn("rejected config replication message from {}: {}", from, why);
        health.report(PeerState.REFUSING, "a frame from " + from + " was refused: " + why);
    }

    /** Stops listening and ends the primary's connections; the current configuration stays. Idempotent. */
    @Override
    public void close() {
        closed = true;
        PeerServer s = server;
        if (s != null) {
            s.close(); // the serving threads are blocked reading: without this they would apply one more list
        }
        health.close();
        if (ownsClock && clock instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing the receiver's clock failed", e);
            }
        }
    }

    /**
     * Builder for a {@link ConfigReceiver}; {@link #listen}, {@link #peer} and {@link #secret} are required. Not
     * thread-safe.
     *
     * <p>Defaults: at most 4 connections at once, frame timeout 10 s, a system clock owned and closed by the
     * receiver.
     */
    public static final class Builder {
        private final LoadBalancer balancer;
        private InetSocketAddress listen;
        private InetAddress peer;
        private byte[] secret;
        private int maxConnections = 4;
        private Duration frameTimeout = Duration.ofSeconds(10);
        private TaskClock clock;

        Builder(LoadBalancer balancer) {
            this.balancer = Objects.requireNonNull(balancer, "balancer");
        }

        /** Where the primary connects (this node's replication address; port 0 picks one). */
        public Builder listen(InetSocketAddress address) {
            this.listen = Objects.requireNonNull(address, "listen");
            return this;
        }

        /** The primary's address: connections from any other address are refused and counted. */
        public Builder peer(InetAddress address) {
            this.peer = Objects.requireNonNull(address, "peer");
            return this;
        }

        /** The shared secret, at least 16 bytes, the same on both nodes. */
        public Builder secret(byte[] secret) {
            this.secret = ReplicationWire.checkSecret(secret);
            return this;
        }

        /**
         * How many connections from the primary are served at once, 1-64 (default 4): a reconnecting primary is
         * served while the half-open connection it left is still timing out.
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

        /** The clock for frame deadlines and the silence watchdog; default a system clock the receiver owns. */
        public Builder clock(TaskClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @throws IllegalArgumentException naming the first missing setting */
        public ConfigReceiver build() {
            if (listen == null) {
                throw new IllegalArgumentException("listen: unset (expected: this node's replication address)");
            }
            if (peer == null) {
                throw new IllegalArgumentException("peer: unset (expected: the primary's address)");
            }
            if (secret == null) {
                throw new IllegalArgumentException("secret: unset (expected: at least 16 bytes of shared secret)");
            }
            return new ConfigReceiver(this);
        }
    }
}
