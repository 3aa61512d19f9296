package io.lb4j.testkit;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.EngineContext;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.api.spi.RoutingTable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A forwarding engine without sockets: a test asks "a client connects to port 104 now: where does it go?" and gets
 * the answer the real engines give, because it routes through the same {@link RoutingTable} snapshots the same way
 * (persistence, scheduler, connection limits, fallback). Forwards every method. Thread-safe.
 */
public final class SimulatedEngine implements ForwardingEngine {

    private final Map<String, RoutingTable> tables = new ConcurrentHashMap<>();
    private final List<SimulatedConnection> connections = new CopyOnWriteArrayList<>();
    private volatile boolean started;

    /** An engine with no services installed; {@link #start} it through a balancer. */
    public SimulatedEngine() {
    }

    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public Set<ForwardingMethod> methods() {
        return EnumSet.allOf(ForwardingMethod.class);
    }

    @Override
    public void start(EngineContext context) {
        started = true;
    }

    @Override
    public void install(RoutingTable table) {
        tables.put(table.service().label(), table);
    }

    @Override
    public void uninstall(String service) {
        tables.remove(service);
        for (SimulatedConnection c : connections) {
            if (c.service().equals(service)) {
                end(c);
            }
        }
    }

    @Override
    public void expire(String service, Backend backend) {
        for (SimulatedConnection c : connections) {
            if (c.service().equals(service) && c.backendLabel().equals(backend.label())) {
                end(c);
            }
        }
    }

    @Override
    public void stop(Duration grace) {
        started = false;
        connections.forEach(this::end);
        tables.clear();
    }

    /**
     * Opens a connection from {@code client} to the VIP port and holds it open.
     *
     * @throws NoSuchElementException when no installed service listens on {@code vipPort}
     * @throws IllegalStateException  naming the service when nothing can take the connection
     */
    public SimulatedConnection open(int vipPort, InetAddress client) {
        RoutingTable table = tableFor(vipPort);
        Backend b = table.route(table.clientKeyFor(client));
        if (b == null) {
            throw new IllegalStateException("service \"" + table.service().label() + "\" port " + vipPort
                    + ": no real server or fallback can take a new connection");
        }
        SimulatedConnection c = new SimulatedConnection(table.service().label(), vipPort, b);
        connections.add(c);
        return c;
    }

    /** Where a new connection from {@code client} to the VIP port goes now; the connection is closed at once. */
    public InetSocketAddress connect(int vipPort, InetAddress client) {
        SimulatedConnection c = open(vipPort, client);
        end(c);
        return c.target();
    }

    /** Connections open now. */
    public List<SimulatedConnection> openConnections() {
        List<SimulatedConnection> open = new ArrayList<>();
        for (SimulatedConnection c : connections) {
            if (c.isOpen()) {
                open.add(c);
            }
        }
        return open;
    }

    /** The current snapshot of a service. */
    public RoutingTable table(String service) {
        RoutingTable t = tables.get(service);
        if (t == null) {
            throw new NoSuchElementException("no service \"" + service + "\" installed");
        }
        return t;
    }

    private RoutingTable tableFor(int vipPort) {
        if (!started) {
            throw new IllegalStateException("simulated engine not started");
        }
        for (RoutingTable t : tables.values()) {
            if (t.service().ports().contains(vipPort)) {
                return t;
            }
        }
        throw new NoSuchElementException("no service listens on port " + vipPort);
    }

    private void end(SimulatedConnection c) {
        c.end();
        connections.remove(c);
    }
}
