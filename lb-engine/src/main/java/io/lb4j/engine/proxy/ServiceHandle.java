package io.lb4j.engine.proxy;

import io.lb4j.api.spi.RoutingTable;
import io.netty.channel.Channel;

import java.util.HashMap;
import java.util.Map;

/** One installed service: its newest routing table (read lock-free per new connection) and its listeners. */
final class ServiceHandle {

    private final String label;
    private volatile RoutingTable table;
    private volatile boolean closed;
    /** Guarded by the engine's lifecycle lock. */
    final Map<ProxyEngine.ListenKey, Channel> listeners = new HashMap<>();

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

    /** Whether the service was uninstalled or the engine is stopping: new connections are refused. */
    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
    }
}
