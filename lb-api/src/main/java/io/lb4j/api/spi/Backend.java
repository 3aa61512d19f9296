package io.lb4j.api.spi;

import io.lb4j.api.Fallback;
import io.lb4j.api.RealServer;
import io.lb4j.api.internal.Addresses;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A destination an engine may forward a new connection to: one real server of one service, or the service's
 * fallback. Its spec is immutable; its connection counters are live and shared by every routing-table snapshot
 * that contains it, so schedulers see current counts and a {@code reconfigure} that keeps a server keeps its counts.
 *
 * <p>Connection-limit semantics follow LVS: at {@code maxConnections} the backend is marked overloaded and takes
 * no new connection until it drops below {@code minConnections}, or below three quarters of the maximum when no
 * minimum is set. Thread-safe and lock-free.
 */
public final class Backend {

    /** The label the fallback backend carries. */
    public static final String FALLBACK_LABEL = "fallback";

    private final String label;
    private final InetAddress address;
    private final int port;
    private final int weight;
    private final int minConnections;
    private final int maxConnections;
    private final boolean fallback;
    private final boolean masquerade;
    private final Counters counters;

    private Backend(String label, InetAddress address, int port, int weight, int minConnections, int maxConnections,
                    boolean fallback, boolean masquerade, Counters counters) {
        this.label = label;
        this.address = address;
        this.port = port;
        this.weight = weight;
        this.minConnections = minConnections;
        this.maxConnections = maxConnections;
        this.fallback = fallback;
        this.masquerade = masquerade;
        this.counters = counters;
    }

    /** A backend for a real server, with fresh counters. */
    public static Backend of(RealServer server) {
        return new Backend(server.label(), server.address(), server.port(), server.weight(), server.minConnections(),
                server.maxConnections(), false, false, new Counters());
    }

    /** A backend for a fallback, with fresh counters. A fallback has no connection limit. */
    public static Backend of(Fallback fallback) {
        return new Backend(FALLBACK_LABEL, fallback.address(), fallback.port(), 1, 0, 0, true, fallback.masquerade(),
                new Counters());
    }

    /** The same server with a new spec, sharing this backend's live counters. */
    public Backend withSpec(RealServer server) {
        Objects.requireNonNull(server, "server");
        return new Backend(server.label(), server.address(), server.port(), server.weight(), server.minConnections(),
                server.maxConnections(), false, false, counters);
    }

    /**
     * The same backend with another weight, sharing this backend's live counters: slow start's effective weight in
     * one routing snapshot. Returns {@code this} when the weight is the same.
     *
     * @throws IllegalArgumentException when {@code weight} is negative
     */
    public Backend withWeight(int weight) {
        if (weight < 0) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
        }
        return weight == this.weight ? this : new Backend(label, address, port, weight, minConnections,
                maxConnections, fallback, masquerade, counters);
    }

    /** The real server's label, or {@value #FALLBACK_LABEL}. */
    public String label() {
        return label;
    }

    public InetAddress address() {
        return address;
    }

    /** The configured port; 0 = the port the client connected to. */
    public int port() {
        return port;
    }

    /** The port to forward to for a client that connected to {@code vipPort}. */
    public int targetPort(int vipPort) {
        return port == 0 ? vipPort : port;
    }

    /** The socket address to forward to for a client that connected to {@code vipPort}. */
    public InetSocketAddress target(int vipPort) {
        return new InetSocketAddress(address, targetPort(vipPort));
    }

    public int weight() {
        return weight;
    }

    public int minConnections() {
        return minConnections;
    }

    /** 0 = unlimited. */
    public int maxConnections() {
        return maxConnections;
    }

    /** Whether this is the service's fallback rather than a real server. */
    public boolean isFallback() {
        return fallback;
    }

    /** Whether the engine NATs to this backend instead of using the service's method (fallback only). */
    public boolean masquerade() {
        return masquerade;
    }

    /** Connections open now. */
    public int activeConnections() {
        return counters.active.get();
    }

    /** Connections opened since this backend first appeared. */
    public long totalConnections() {
        return counters.total.get();
    }

    /**
     * Bytes forwarded towards this backend since it first appeared: the proxy engine counts TCP and UDP payload
     * bytes, the packet engine IP packet bytes (headers included) of the flows it forwarded.
     */
    public long bytesToServer() {
        return counters.toServer.sum();
    }

    /**
     * Bytes forwarded from this backend back to clients since it first appeared, counted as {@link #bytesToServer()}.
     * Always 0 for direct routing and tunnel flows of the packet engine: their replies go from the server straight to
     * the client and never pass the balancer.
     */
    public long bytesToClient() {
        return counters.toClient.sum();
    }

    /**
     * Adds forwarded bytes to {@link #bytesToServer()} or {@link #bytesToClient()}; for engines. Lock-free and
     * cheap under contention ({@link LongAdder}): an engine may call it per read, or per batch of a flow's bytes.
     *
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public void addBytes(boolean toServer, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        (toServer ? counters.toServer : counters.toClient).add(bytes);
    }

    /** Whether a new connection could be taken now (weight above 0 and under the connection limit). */
    public boolean available() {
        return weight > 0 && !counters.overloaded && (maxConnections == 0 || counters.active.get() < maxConnections);
    }

    /**
     * Claims a connection slot: returns false, changing nothing, when the backend is overloaded. Every successful
     * call must be matched by one {@link #release()} when the connection ends. Counts the connection in
     * {@link #totalConnections()}.
     */
    public boolean tryAcquire() {
        return claim(true);
    }

    /**
     * Claims a slot again for a connection already counted in {@link #totalConnections()} that gave its slot back
     * (the packet engine holds none for a half-open flow and takes one when it becomes established); otherwise as
     * {@link #tryAcquire()}, including the matching {@link #release()}.
     */
    public boolean tryReacquire() {
        return claim(false);
    }

    private boolean claim(boolean count) {
        AtomicInteger active = counters.active;
        while (true) {
            if (counters.overloaded) {
                return false;
            }
            int current = active.get();
            if (maxConnections > 0 && current >= maxConnections) {
                counters.overloaded = true;
                return false;
            }
            if (active.compareAndSet(current, current + 1)) {
                if (count) {
                    counters.total.incrementAndGet();
                }
                if (maxConnections > 0 && current + 1 >= maxConnections) {
                    counters.overloaded = true;
                }
                return true;
            }
        }
    }

    /** Ends a connection claimed with {@link #tryAcquire()}. */
    public void release() {
        int now = counters.active.decrementAndGet();
        if (now < 0) {
            counters.active.incrementAndGet();
            throw new IllegalStateException("release without acquire on backend " + label);
        }
        if (counters.overloaded) {
            boolean below = minConnections > 0 ? now < minConnections : now * 4L < maxConnections * 3L;
            if (below || maxConnections == 0) {
                counters.overloaded = false;
            }
        }
    }

    @Override
    public String toString() {
        return label + "(" + (port == 0 ? Addresses.text(address) : Addresses.hostPort(address, port)) + ")";
    }

    /** Live counts, shared between the snapshots that contain the same server. */
    private static final class Counters {
        final AtomicInteger active = new AtomicInteger();
        final AtomicLong total = new AtomicLong();
        final LongAdder toServer = new LongAdder();
        final LongAdder toClient = new LongAdder();
        volatile boolean overloaded;
    }
}
