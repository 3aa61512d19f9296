package io.lb4j.ha.replication;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.Subscription;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.ha.internal.DeadlineInputStream;
import io.lb4j.ha.internal.PeerHealth;
import io.lb4j.ha.internal.Reconnector;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The primary's end of config replication: {@link #reconfigure} applies a service list to the local balancer and
 * pushes it to the secondary's {@link ConfigReceiver} (a pair), or to every other node's (a cluster:
 * {@link Builder#peers}), authenticated with HMAC-SHA256 over a shared secret.
 *
 * <pre>{@code
 * ConfigPublisher publisher = ConfigPublisher.builder(primaryLb)
 *     .peer(new InetSocketAddress("10.0.0.2", 7790))     // the secondary's ConfigReceiver
 *     .secret(secret)                                    // >= 16 bytes, the same on both nodes
 *     .stateDirectory(Path.of("/var/lib/lb4j"))          // the persisted epoch (this is the default)
 *     .build().start();
 * publisher.reconfigure(List.of(pacs, hl7));             // live here at once, on the secondary moments later
 * }</pre>
 *
 * <p>Guarantees:
 * <ul>
 *   <li>A list is replicated only after the local balancer accepted it; only the latest list is sent
 *       (intermediate ones are superseded).</li>
 *   <li>Versions are {@code epoch:sequence}. The epoch is persisted in the {@linkplain Builder#stateDirectory state
 *       directory} and grows by one at every start, whatever the wall clock does, so a restarted primary's versions
 *       are newer than everything it sent before.</li>
 *   <li>A secondary that was down or unreachable gets the latest list as soon as a connection succeeds again;
 *       reconnects back off exponentially with jitter (about 100 ms doubling to at most 5 s).</li>
 *   <li>With several secondaries, each has its own connection and thread: one that is dead, slow or refusing
 *       delays none of the others. {@link #acknowledged()} is what all of them hold, the counters are sums and
 *       {@link #peerStatuses()} says how each one is.</li>
 *   <li>While idle it sends an authenticated heartbeat every second and expects each acknowledgement within the
 *       {@linkplain Builder#frameTimeout frame timeout}, so a secondary that vanished is noticed within it.</li>
 *   <li>Never silently stale: a secondary that is unreachable, refuses our frames, answers STALE (it holds a newer
 *       epoch) or cannot apply a list is a {@link PeerState} ({@link #peerStatuses()}), a {@link PeerStateChanged} event
 *       ({@link #subscribe}), a WARN in the log and a counter ({@link #stale()}, {@link #invalid()},
 *       {@link #rejectedAcknowledgements()}, {@link #failures()}). A STALE answer is not an acknowledgement.</li>
 * </ul>
 * One background thread per secondary; {@link #reconfigure} never blocks on the network. Thread-safe.
 */
public final class ConfigPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigPublisher.class);
    /** How often an idle connection is proven alive. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);

    private final LoadBalancer balancer;
    private final InetAddress source; // null: the kernel picks
    private final byte[] secret;
    private final Path stateDirectory;
    private final TaskClock clock;
    private final boolean ownsClock;
    private final Duration frameTimeout;
    private final List<Link> links;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long epoch;
    // Guarded by lock.
    private long sequence;
    private byte[] latest;
    private long rejectedAcks;
    private long stale;
    private long invalid;
    private boolean started;
    private boolean closed;

    /** One secondary: its connection, its thread and what it acknowledged. */
    private final class Link {
        final InetSocketAddress peer;
        final PeerHealth health;
        final Reconnector reconnector;
        final Thread thread;
        // Guarded by lock.
        long acknowledged;
        boolean heartbeatDue;

        Link(InetSocketAddress peer) {
            this.peer = peer;
            this.health = new PeerHealth(PeerChannel.CONFIG_PUBLISHER, PeerHealth.text(peer), clock, LOG);
            this.reconnector = new Reconnector(peer, source, clock, health);
            this.thread = Thread.ofPlatform().daemon().name("lb4j-config-publisher-" + PeerHealth.text(peer))
                    .unstarted(() -> reconnector.run(s -> session(this, s), () -> { }));
        }
    }

    private ConfigPublisher(Builder b) {
        this.balancer = b.balancer;
        this.source = b.source;
        this.secret = b.secret;
        this.stateDirectory = b.stateDirectory;
        this.ownsClock = b.clock == null;
        this.clock = b.clock != null ? b.clock : TaskClock.system();
        this.frameTimeout = b.frameTimeout;
        this.links = b.peers.stream().map(Link::new).toList();
    }

    /** A builder replicating {@code balancer}'s services; peer (or peers) and secret are required. */
    public static Builder builder(LoadBalancer balancer) {
        return new Builder(balancer);
    }

    /**
     * Takes the next epoch from the state directory and starts replicating; the balancer's current services are the
     * first version.
     *
     * @throws IllegalStateException    when already started, or the epoch file holds something else
     * @throws IllegalArgumentException when the current services cannot be replicated (a custom probe or scheduler)
     * @throws UncheckedIOException     when the state directory cannot be written
     */
    public ConfigPublisher start() {
        lock.lock();
        try {
            if (started) {
                throw new IllegalStateException("config publisher already started (expected: start() once)");
            }
            byte[] json = ServiceCodec.encode(balancer.services());
            epoch = EpochStore.next(stateDirectory);
            started = true;
            offer(json);
        } finally {
            lock.unlock();
        }
        LOG.info("config replication to {}: epoch {} (from {})", peersText(), epoch,
                stateDirectory.resolve(EpochStore.FILE_NAME));
        links.forEach(link -> link.thread.start());
        return this;
    }

    /**
     * Applies {@code services} to the local balancer atomically, then queues them for the secondary.
     *
     * @return the new version's sequence number
     * @throws IllegalArgumentException when the set is invalid or cannot be replicated; nothing changes anywhere
     * @throws IllegalStateException    before {@link #start()}
     */
    public long reconfigure(Collection<VirtualService> services) {
        List<VirtualService> copy = List.copyOf(services);
        byte[] json = ServiceCodec.encode(copy); // first: a list the secondary cannot receive is not applied here
        lock.lock();
        try {
            if (!started) {
                throw new IllegalStateException("config publisher not started (expected: start() first)");
            }
            balancer.reconfigure(copy);
            return offer(json);
        } finally {
            lock.unlock();
        }
    }

    private long offer(byte[] json) {
        lock.lock();
        try {
            latest = json;
            sequence++;
            changed.signalAll();
            return sequence;
        } finally {
            lock.unlock();
        }
    }

    /** This run's epoch (persisted; one more than the previous run's); 0 before {@link #start()}. */
    public long epoch() {
        lock.lock();
        try {
            return epoch;
        } finally {
            lock.unlock();
        }
    }

    /** The latest version's sequence number. */
    public long version() {
        lock.lock();
        try {
            return sequence;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The highest sequence number every secondary applied (or already held) this epoch: with several, the lowest of
     * their acknowledgements.
     */
    public long acknowledged() {
        lock.lock();
        try {
            return acknowledgedByAll();
        } finally {
            lock.unlock();
        }
    }

    private long acknowledgedByAll() {
        long min = Long.MAX_VALUE;
        for (Link link : links) {
            min = Math.min(min, link.acknowledged);
        }
        return min;
    }

    /** Acknowledgements that did not authenticate (the connection was dropped and retried). */
    public long rejectedAcknowledgements() {
        lock.lock();
        try {
            return rejectedAcks;
        } finally {
            lock.unlock();
        }
    }

    /** Lists the secondary answered STALE: it holds a newer epoch, and applied nothing. */
    public long stale() {
        lock.lock();
        try {
            return stale;
        } finally {
            lock.unlock();
        }
    }

    /** Lists the secondary could not apply (it kept its configuration; its log says why). */
    public long invalid() {
        lock.lock();
        try {
            return invalid;
        } finally {
            lock.unlock();
        }
    }

    /** Failed connects and lost connections since start, over all secondaries. */
    public long failures() {
        long sum = 0;
        for (Link link : links) {
            sum += link.reconnector.failures();
        }
        return sum;
    }

    /** The (first) secondary as this publisher sees it now; for a pair, the secondary. */
    public PeerStatus status() {
        return links.getFirst().health.status();
    }

    /** Every secondary as this publisher sees it now, in the order the peers were given. */
    public List<PeerStatus> peerStatuses() {
        return links.stream().map(link -> link.health.status()).toList();
    }

    /**
     * Registers a listener for every change of any secondary's status; called on that secondary's publisher thread,
     * in order.
     */
    public Subscription subscribe(Consumer<? super PeerStateChanged> listener) {
        List<Subscription> subscriptions = links.stream().map(link -> link.health.subscribe(listener)).toList();
        return () -> subscriptions.forEach(Subscription::close);
    }

    /**
     * Waits until every secondary acknowledged {@code version} or {@code timeout} passed; returns whether they did.
     */
    public boolean awaitAcknowledged(long version, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (acknowledgedByAll() < version) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void session(Link link, Socket s) throws IOException {
        InetSocketAddress peer = link.peer;
        PeerHealth health = link.health;
        DeadlineInputStream deadline = new DeadlineInputStream(s, clock);
        DataInputStream in = new DataInputStream(new BufferedInputStream(deadline));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
        deadline.expectWithin(frameTimeout.toNanos());
        byte[] challenge;
        ByteBuffer hello;
        try {
            byte[] frame = ReplicationWire.readFrame(in, ReplicationWire.HELLO);
            challenge = ReplicationWire.challengeOf(frame, ReplicationWire.MAGIC, PeerHealth.text(peer),
                    "config receiver");
            hello = ByteBuffer.wrap(frame, frame.length - 16, 16);
        } catch (ReplicationWire.RejectedFrameException e) {
            throw new Reconnector.PeerException(PeerState.REFUSING, e.getMessage());
        }
        long heldEpoch = hello.getLong();
        long heldSequence = hello.getLong();
        long sent = 0;
        count(() -> link.heartbeatDue = false);
        if (heldEpoch == epoch) {
            sent = heldSequence; // reconnected: what it already holds is not sent again (it would be STALE)
            acknowledge(link, heldSequence, "the secondary holds " + epoch + ":" + heldSequence);
        }
        Cancellable heartbeat = scheduleHeartbeat(link);
        try {
            while (true) {
                byte[] json = null;
                long seq = 0;
                lock.lock();
                try {
                    while (!closed && sequence == sent && !link.heartbeatDue) {
                        changed.await();
                    }
                    if (closed) {
                        return;
                    }
                    if (sequence != sent) {
                        json = latest;
                        seq = sequence;
                    }
                    link.heartbeatDue = false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } finally {
                    lock.unlock();
                }
                heartbeat.cancel();
                ReplicationWire.writeFrame(out, json != null
                        ? ReplicationWire.config(secret, challenge, epoch, seq, json)
                        : ReplicationWire.ping(secret, challenge));
                deadline.expectWithin(frameTimeout.toNanos());
                ByteBuffer ack = readAck(peer, in, challenge);
                long ackEpoch = ack.getLong();
                long ackSeq = ack.getLong();
                byte status = ack.get();
                if (json == null) {
                    if (status != ReplicationWire.STATUS_ALIVE) {
                        throw new IOException("answer to a heartbeat with status " + status + " (expected: "
                                + ReplicationWire.STATUS_ALIVE + ")");
                    }
                    health.heard("the secondary holds " + ackEpoch + ":" + ackSeq);
                } else {
                    if (ackEpoch != epoch || ackSeq != seq) {
                        throw new IOException("acknowledgement for " + ackEpoch + ":" + ackSeq + ", expected "
                                + epoch + ":" + seq);
                    }
                    answered(link, status, seq, heldEpoch, heldSequence);
                    sent = seq;
                }
                heartbeat = scheduleHeartbeat(link);
            }
        } finally {
            heartbeat.cancel();
        }
    }

    private ByteBuffer readAck(InetSocketAddress peer, DataInputStream in, byte[] challenge) throws IOException {
        byte[] ack;
        try {
            ack = ReplicationWire.readVerified(in, secret, challenge, ReplicationWire.ACK);
        } catch (ReplicationWire.RejectedFrameException e) {
            lock.lock();
            try {
                rejectedAcks++;
            } finally {
                lock.unlock();
            }
            throw new Reconnector.PeerException(PeerState.REFUSING, "acknowledgement from "
                    + PeerHealth.text(peer) + " refused: " + e.getMessage());
        }
        if (ack == null) {
            throw new Reconnector.PeerException(PeerState.REFUSING, "the secondary " + PeerHealth.text(peer)
                    + " closed the connection instead of acknowledging (another secret? its log says why)");
        }
        return ByteBuffer.wrap(ack, 1, 17);
    }

    private void answered(Link link, byte status, long seq, long heldEpoch, long heldSequence) {
        String version = epoch + ":" + seq;
        PeerHealth health = link.health;
        switch (status) {
            case ReplicationWire.STATUS_APPLIED -> acknowledge(link, seq, "the secondary applied " + version);
            case ReplicationWire.STATUS_STALE -> {
                health.report(PeerState.STALE, "the secondary holds " + heldEpoch + ":" + heldSequence
                        + ", newer than this primary's " + version + ", and applies nothing from it (was "
                        + stateDirectory.resolve(EpochStore.FILE_NAME) + " reset or restored?); restart the"
                        + " secondary, or write an epoch above " + heldEpoch + " there and restart this primary");
                count(() -> stale++);
            }
            case ReplicationWire.STATUS_INVALID -> {
                health.report(PeerState.INVALID, "the secondary could not apply " + version
                        + " and keeps its configuration (its log says why)");
                count(() -> invalid++);
            }
            default -> health.report(PeerState.INVALID, "the secondary answered " + version + " with status "
                    + status);
        }
    }

    // The state first: whoever waits for the count then sees the state that goes with it.
    private void acknowledge(Link link, long seq, String detail) {
        link.health.report(PeerState.OK, detail);
        count(() -> link.acknowledged = Math.max(link.acknowledged, seq));
    }

    private void count(Runnable update) {
        lock.lock();
        try {
            update.run();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private Cancellable scheduleHeartbeat(Link link) {
        return clock.schedule(HEARTBEAT, () -> count(() -> link.heartbeatDue = true));
    }

    private String peersText() {
        return links.size() == 1 ? PeerHealth.text(links.getFirst().peer)
                : links.stream().map(link -> PeerHealth.text(link.peer)).toList().toString();
    }

    /** Stops replicating; the secondary keeps what it has. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        links.forEach(link -> link.reconnector.close());
        for (Link link : links) {
            link.health.close();
            if (link.thread.isAlive()) {
                try {
                    link.thread.join(2_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (ownsClock && clock instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("closing the publisher's clock failed", e);
            }
        }
    }

    /**
     * Builder for a {@link ConfigPublisher}; {@link #peer} (or {@link #peers}) and {@link #secret} are required. Not
     * thread-safe.
     *
     * <p>Defaults: state directory {@code /var/lib/lb4j}, frame timeout 10 s, a system clock owned and closed by the
     * publisher.
     */
    public static final class Builder {
        private final LoadBalancer balancer;
        private InetAddress source;
        private List<InetSocketAddress> peers = List.of();
        private byte[] secret;
        private Path stateDirectory = Path.of("/var/lib/lb4j");
        private Duration frameTimeout = Duration.ofSeconds(10);
        private TaskClock clock;

        Builder(LoadBalancer balancer) {
            this.balancer = Objects.requireNonNull(balancer, "balancer");
        }

        /** The secondary's {@link ConfigReceiver} address; the same as {@code peers(List.of(address))}. */
        public Builder peer(InetSocketAddress address) {
            return peers(List.of(Objects.requireNonNull(address, "peer")));
        }

        /**
         * The address this node connects from, its own management address: a receiver accepts the primary's
         * address only, and on a node with several addresses the kernel's choice may be another. Default: the
         * kernel's choice (also for a wildcard address).
         */
        public Builder source(InetAddress address) {
            this.source = Objects.requireNonNull(address, "source");
            return this;
        }

        /**
         * Every secondary's {@link ConfigReceiver} address (the other nodes of a cluster), each once; replaces what
         * {@link #peer} or an earlier call set.
         *
         * @throws IllegalArgumentException when the list is empty, an address is unresolved or listed twice
         */
        public Builder peers(Collection<InetSocketAddress> addresses) {
            List<InetSocketAddress> list = List.copyOf(Objects.requireNonNull(addresses, "peers"));
            if (list.isEmpty()) {
                throw new IllegalArgumentException("peers: [] (expected: at least one secondary's replication"
                        + " address)");
            }
            for (InetSocketAddress a : list) {
                if (a.isUnresolved()) {
                    throw new IllegalArgumentException("peer: " + a + " (expected: an IP address and port)");
                }
            }
            if (new java.util.HashSet<>(list).size() != list.size()) {
                throw new IllegalArgumentException("peers: " + list.stream().map(PeerHealth::text).toList()
                        + " (expected: each address once)");
            }
            this.peers = list;
            return this;
        }

        /** The shared secret, at least 16 bytes, the same on both nodes. */
        public Builder secret(byte[] secret) {
            this.secret = ReplicationWire.checkSecret(secret);
            return this;
        }

        /**
         * Where the replication epoch is kept (file {@code replication-epoch}, created with the directory when
         * missing); default {@code /var/lib/lb4j}. It must survive restarts and be written by this node only.
         */
        public Builder stateDirectory(Path directory) {
            this.stateDirectory = Objects.requireNonNull(directory, "stateDirectory");
            return this;
        }

        /**
         * How long an acknowledgement (or the secondary's greeting) may take to arrive whole before the connection
         * is given up as dead: 2 s to 10 min, default 10 s.
         */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = ReplicationWire.checkFrameTimeout(timeout);
            return this;
        }

        /** The clock for heartbeats, deadlines and reconnect delays; default a system clock the publisher owns. */
        public Builder clock(TaskClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** @throws IllegalArgumentException naming the first missing setting */
        public ConfigPublisher build() {
            if (peers.isEmpty()) {
                throw new IllegalArgumentException("peer: unset (expected: the secondary's replication address)");
            }
            if (secret == null) {
                throw new IllegalArgumentException("secret: unset (expected: at least 16 bytes of shared secret)");
            }
            return new ConfigPublisher(this);
        }
    }
}
