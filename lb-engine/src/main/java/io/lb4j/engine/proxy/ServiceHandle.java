package io.lb4j.engine.proxy;

import io.lb4j.api.TcpKeepAlive;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** One installed service: its newest routing table (read lock-free per new connection) and its listeners. */
final class ServiceHandle {

    private final String label;
    private volatile RoutingTable table;
    private volatile boolean closed;
    /** Guarded by the engine's lifecycle lock. */
    final Map<ProxyEngine.ListenKey, VipListener> listeners = new HashMap<>();
    /** What the service's timeouts and caps did; kept across newer snapshots, as the handle is. */
    final LimitCounters counters = new LimitCounters();
    /** TCP connections of the service from accept until both sides closed: what {@code maxConnections} caps. */
    final AtomicInteger connections = new AtomicInteger();
    /** The service's UDP sessions by last activity, for {@code maxUdpSessions}; confined to {@link #udpLoop}. */
    final UdpLru udpSessions = new UdpLru();
    private EventLoop udpLoop; // guarded by the engine's lifecycle lock
    /** The keepalive every TCP listener of the service passes on to what it accepts; null: set per connection. */
    private volatile TcpKeepAlive listenerKeepAlive;

    ServiceHandle(String label, RoutingTable table) {
        this.label = label;
        this.table = table;
    }

    String label() {
        return label;
    }

    RoutingTable table() {
        return table;
    }

    void table(RoutingTable newest) {
        this.table = newest;
    }

    TcpKeepAlive listenerKeepAlive() {
        return listenerKeepAlive;
    }

    void listenerKeepAlive(TcpKeepAlive keepAlive) {
        this.listenerKeepAlive = keepAlive;
    }

    /** Whether the service was uninstalled or the engine is stopping: new connections are refused. */
    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
    }

    /**
     * Takes a {@code maxConnections} slot for a new TCP connection; {@code false}, taking none, when {@code max}
     * (0 = no cap) are held already. The count is kept without a cap too, so that a newer snapshot that sets one
     * starts from the connections actually open.
     */
    boolean admit(int max) {
        int n = connections.incrementAndGet();
        if (max > 0 && n > max) {
            connections.decrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * The backend to retry on: as {@link RoutingTable#route} does for a full server, the real server after the one
     * that failed in the newest table's configured order, then the fallback. Not {@code route()} itself: a
     * least-connections scheduler would pick the failed server again, its slot having just been freed, and claiming
     * and releasing it would count a connection it never had.
     */
    Backend retryCandidate(Backend failed) {
        RoutingTable table = this.table;
        List<Backend> backends = table.backends();
        int at = -1;
        for (int i = 0; i < backends.size(); i++) {
            if (backends.get(i).label().equals(failed.label())) {
                at = i;
                break;
            }
        }
        for (int k = 1; k <= backends.size(); k++) {
            Backend c = backends.get(Math.floorMod(at + k, backends.size()));
            if (!c.label().equals(failed.label()) && c.weight() > 0 && c.tryAcquire()) {
                return c;
            }
        }
        Backend fallback = table.fallback();
        if (fallback != null && !fallback.label().equals(failed.label()) && fallback.tryAcquire()) {
            return fallback;
        }
        return null;
    }

    /**
     * The one event loop of all the service's UDP VIP sockets (and so of all its sessions), picked on first use:
     * one loop lets {@code maxUdpSessions} and its least-recently-active order span every port without locks. Called
     * under the engine's lifecycle lock.
     */
    EventLoop udpLoop(EventLoopGroup group) {
        if (udpLoop == null) {
            udpLoop = group.next();
        }
        return udpLoop;
    }
}
