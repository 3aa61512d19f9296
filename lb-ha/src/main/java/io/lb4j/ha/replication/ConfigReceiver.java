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
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The secondary's end of config replication: accepts the primary's TCP connection, and applies each authenticated
 * service list to the local {@link LoadBalancer} with {@code reconfigure} (atomic: the balancer switches to the new
 * set in one step or, when the set is invalid, keeps the old one).
 *
 * <p>Guarantees: only a frame whose HMAC-SHA256 under the shared secret verifies, for this connection's random
 * challenge, is ever decoded; a frame that does not verify is counted ({@link #rejected()}), logged with the peer's
 * address, and ends the connection. Versions only move forward: a list older than or equal to the applied one is
 * acknowledged as stale and not applied. Nothing but the service list is replicated. Thread-safe.
 *
 * <pre>{@code
 * ConfigReceiver receiver = ConfigReceiver.start(secondaryLb, new InetSocketAddress("10.0.0.2", 7790), secret);
 * }</pre>
 */
public final class ConfigReceiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReceiver.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final LoadBalancer balancer;
    private final byte[] secret;
    private final ServerSocket server;
    private final Thread acceptor;
    private volatile boolean closed;
    private volatile Socket connection;
    private long appliedEpoch;
    private long appliedSequence;
    private long applied;
    private long rejected;
    private long invalid;

    private ConfigReceiver(LoadBalancer balancer, byte[] secret, ServerSocket server) {
        this.balancer = balancer;
        this.secret = secret;
        this.server = server;
        this.acceptor = Thread.ofPlatform().daemon().name("lb4j-config-receiver").unstarted(this::acceptLoop);
    }

    /**
     * Listens on {@code bind} and applies what the primary sends to {@code balancer}.
     *
     * @param secret the shared secret, at least 16 bytes; the same on both nodes
     * @throws IllegalArgumentException when the secret is shorter than 16 bytes
     * @throws UncheckedIOException     when the address cannot be bound
     */
    public static ConfigReceiver start(LoadBalancer balancer, InetSocketAddress bind, byte[] secret) {
        Objects.requireNonNull(balancer, "balancer");
        Objects.requireNonNull(bind, "bind");
        byte[] key = ReplicationWire.checkSecret(secret);
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(bind);
            ConfigReceiver r = new ConfigReceiver(balancer, key, server);
            r.acceptor.start();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("config receiver could not listen on " + bind, e);
        }
    }

    /** The address it listens on (with the actual port when bound to port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Service lists applied since start. */
    public synchronized long applied() {
        return applied;
    }

    /** Frames rejected because they were not authentic (bad or missing HMAC, wrong type). */
    public synchronized long rejected() {
        return rejected;
    }

    /** Authentic lists that could not be decoded or applied (the old configuration stayed). */
    public synchronized long invalid() {
        return invalid;
    }

    /** The version of the applied list as {@code epoch:sequence}, {@code 0:0} before the first. */
    public synchronized String appliedVersion() {
        return appliedEpoch + ":" + appliedSequence;
    }

    private void acceptLoop() {
        while (!closed) {
            try (Socket s = server.accept()) {
                connection = s;
                if (closed) {
                    return; // close() ran between accept and here
                }
                s.setTcpNoDelay(true);
                serve(s);
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("config replication connection ended: {}", e.toString());
                }
            }
        }
    }

    private void serve(Socket s) throws IOException {
        String peer = s.getRemoteSocketAddress().toString();
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
        byte[] challenge = new byte[ReplicationWire.CHALLENGE_LENGTH];
        RANDOM.nextBytes(challenge);
        synchronized (this) {
            ReplicationWire.writeFrame(out, ReplicationWire.hello(challenge, appliedEpoch, appliedSequence));
        }
        while (!closed) {
            byte[] frame;
            try {
                frame = ReplicationWire.readVerified(in, secret, challenge, ReplicationWire.CONFIG);
            } catch (ReplicationWire.RejectedFrameException e) {
                reject(peer, e.getMessage());
                return; // an unauthenticated peer gets no further hearing on this connection
            }
            if (frame == null || closed) {
                return; // a closed receiver applies nothing more, even what was already on its way
            }
            ByteBuffer b = ByteBuffer.wrap(frame, 1, 16);
            long epoch = b.getLong();
            long sequence = b.getLong();
            byte[] json = Arrays.copyOfRange(frame, 17, frame.length - ReplicationWire.MAC_LENGTH);
            byte status = apply(peer, epoch, sequence, json);
            ReplicationWire.writeFrame(out, ReplicationWire.ack(secret, challenge, epoch, sequence, status));
        }
    }

    private synchronized byte apply(String peer, long epoch, long sequence, byte[] json) {
        if (epoch < appliedEpoch || epoch == appliedEpoch && sequence <= appliedSequence) {
            return ReplicationWire.STATUS_STALE;
        }
        try {
            List<VirtualService> services = ServiceCodec.decode(json);
            balancer.reconfigure(services);
            appliedEpoch = epoch;
            appliedSequence = sequence;
            applied++;
            LOG.info("applied replicated configuration {}:{} from {} ({} services)", epoch, sequence, peer,
                    services.size());
            return ReplicationWire.STATUS_APPLIED;
        } catch (IllegalArgumentException | IllegalStateException e) {
            invalid++;
            LOG.error("replicated configuration {}:{} from {} is authentic but invalid; keeping the current one: {}",
                    epoch, sequence, peer, e.getMessage());
            return ReplicationWire.STATUS_INVALID;
        }
    }

    private synchronized void reject(String peer, String why) {
        rejected++;
        LOG.warn("rejected config replication message from {}: {}", peer, why);
    }

    /** Stops listening and ends the primary's connection; the current configuration stays. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Socket c = connection;
            if (c != null) {
                c.close(); // the serving thread is blocked reading it: without this it would apply one more list
            }
        } catch (IOException e) {
            LOG.debug("closing the config receiver failed", e);
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
