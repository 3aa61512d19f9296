package io.lb4j.ha.replication;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.ha.internal.ReplicationWire;
import io.lb4j.ha.internal.ServiceCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The primary's end of config replication: {@link #reconfigure} applies a service list to the local balancer and
 * pushes it to the secondary's {@link ConfigReceiver}, authenticated with HMAC-SHA256 over a shared secret.
 *
 * <p>Guarantees: a list is replicated only after the local balancer accepted it; each list gets the next version
 * ({@code epoch:sequence}, the epoch being this publisher's start time in milliseconds, so a restarted primary's
 * versions are newer); only the latest list is sent (intermediate ones are superseded); a secondary that was down or
 * unreachable gets the latest list as soon as a connection succeeds again (retries back off from 100 ms to 5 s).
 * One background thread; {@link #reconfigure} never blocks on the network. Thread-safe.
 *
 * <pre>{@code
 * ConfigPublisher publisher = ConfigPublisher.start(primaryLb, new InetSocketAddress("10.0.0.2", 7790), secret);
 * publisher.reconfigure(List.of(pacs, hl7));    // live here at once, on the secondary moments later
 * }</pre>
 */
public final class ConfigPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigPublisher.class);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final LoadBalancer balancer;
    private final InetSocketAddress peer;
    private final byte[] secret;
    private final long epoch = System.currentTimeMillis();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread thread;
    // Guarded by lock.
    private long sequence;
    private byte[] latest;
    private long acknowledged;
    private long rejectedAcks;
    private boolean closed;
    private Socket socket;

    private ConfigPublisher(LoadBalancer balancer, InetSocketAddress peer, byte[] secret) {
        this.balancer = balancer;
        this.peer = peer;
        this.secret = secret;
        this.thread = Thread.ofPlatform().daemon().name("lb4j-config-publisher").unstarted(this::run);
    }

    /**
     * Starts replicating to the receiver at {@code peer}; the balancer's current services are the first version.
     *
     * @param secret the shared secret, at least 16 bytes; the same on both nodes
     * @throws IllegalArgumentException when the secret is shorter than 16 bytes, or the current services cannot be
     *                                  replicated (a custom probe or scheduler)
     */
    public static ConfigPublisher start(LoadBalancer balancer, InetSocketAddress peer, byte[] secret) {
        Objects.requireNonNull(balancer, "balancer");
        Objects.requireNonNull(peer, "peer");
        ConfigPublisher p = new ConfigPublisher(balancer, peer, ReplicationWire.checkSecret(secret));
        p.offer(ServiceCodec.encode(balancer.services()));
        p.thread.start();
        return p;
    }

    /**
     * Applies {@code services} to the local balancer atomically, then queues them for the secondary.
     *
     * @return the new version's sequence number
     * @throws IllegalArgumentException when the set is invalid or cannot be replicated; nothing changes anywhere
     */
    public long reconfigure(Collection<VirtualService> services) {
        List<VirtualService> copy = List.copyOf(services);
        byte[] json = ServiceCodec.encode(copy); // first: a list the secondary cannot receive is not applied here
        lock.lock();
        try {
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

    /** The latest version's sequence number. */
    public long version() {
        lock.lock();
        try {
            return sequence;
        } finally {
            lock.unlock();
        }
    }

    /** The highest sequence number the secondary acknowledged (applied, or already had) this epoch. */
    public long acknowledged() {
        lock.lock();
        try {
            return acknowledged;
        } finally {
            lock.unlock();
        }
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

    /** Waits until the secondary acknowledged {@code version} or {@code timeout} passed; returns whether it did. */
    public boolean awaitAcknowledged(long version, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (acknowledged < version) {
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

    private void run() {
        long backoff = MIN_BACKOFF_NANOS;
        while (true) {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            try (Socket s = new Socket()) {
                s.connect(peer, 2_000);
                s.setTcpNoDelay(true);
                lock.lock();
                try {
                    socket = s;
                } finally {
                    lock.unlock();
                }
                backoff = MIN_BACKOFF_NANOS;
                session(s);
            } catch (IOException e) {
                LOG.debug("config replication to {} failed: {}", peer, e.toString());
            }
            lock.lock();
            try {
                socket = null;
                if (!closed) {
                    changed.awaitNanos(backoff); // woken early only by close or a new version
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
    }

    private void session(Socket s) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
        s.setSoTimeout(10_000);
        byte[] challenge = ReplicationWire.challengeOf(ReplicationWire.readFrame(in), ReplicationWire.MAGIC,
                peer.toString(), "config receiver");
        long sent = 0;
        while (true) {
            byte[] json = null;
            long seq = 0;
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                if (sequence == sent) {
                    changed.awaitNanos(TimeUnit.MILLISECONDS.toNanos(200));
                }
                if (closed) {
                    return;
                }
                if (sequence != sent) {
                    json = latest;
                    seq = sequence;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            if (json == null) {
                // Idle: make sure the secondary is still there, so one that restarts is caught up on reconnect
                // rather than at the next change. It never sends unprompted, so any byte is a protocol error.
                s.setSoTimeout(1);
                try {
                    if (in.read() >= 0) {
                        throw new IOException("unexpected data from " + peer);
                    }
                    return; // closed by the secondary
                } catch (java.net.SocketTimeoutException alive) {
                    continue;
                } finally {
                    s.setSoTimeout(10_000);
                }
            }
            ReplicationWire.writeFrame(out, ReplicationWire.config(secret, challenge, epoch, seq, json));
            byte[] ack = ReplicationWire.readFrame(in);
            if (ack[0] != ReplicationWire.ACK || !ReplicationWire.verify(secret, challenge, ack)) {
                lock.lock();
                try {
                    rejectedAcks++;
                } finally {
                    lock.unlock();
                }
                LOG.warn("config replication to {}: acknowledgement does not authenticate; reconnecting", peer);
                return;
            }
            ByteBuffer b = ByteBuffer.wrap(ack, 1, 17);
            long ackEpoch = b.getLong();
            long ackSeq = b.getLong();
            byte status = b.get();
            if (ackEpoch != epoch || ackSeq != seq) {
                throw new IOException("acknowledgement for " + ackEpoch + ":" + ackSeq + ", expected " + epoch + ":"
                        + seq);
            }
            if (status == ReplicationWire.STATUS_INVALID) {
                LOG.error("the secondary at {} could not apply configuration {}:{} (see its log)", peer, epoch, seq);
            }
            sent = seq;
            lock.lock();
            try {
                acknowledged = Math.max(acknowledged, seq);
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Stops replicating; the secondary keeps what it has. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException e) {
                    LOG.debug("closing the replication socket failed", e);
                }
            }
        } finally {
            lock.unlock();
        }
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
