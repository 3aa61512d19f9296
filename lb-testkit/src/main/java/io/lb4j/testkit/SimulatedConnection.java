package io.lb4j.testkit;

import io.lb4j.api.spi.Backend;

import java.net.InetSocketAddress;

/**
 * A client connection held open through the {@link SimulatedEngine}: it counts against its backend until the test
 * closes it or the balancer expires it (Halt). Thread-safe.
 */
public final class SimulatedConnection implements HeldConnection {

    private final String service;
    private final int vipPort;
    private final Backend backend;
    private final InetSocketAddress target;
    private boolean open = true;

    SimulatedConnection(String service, int vipPort, Backend backend) {
        this.service = service;
        this.vipPort = vipPort;
        this.backend = backend;
        this.target = backend.target(vipPort);
    }

    /** The service's label. */
    public String service() {
        return service;
    }

    /** The VIP port the client connected to. */
    public int vipPort() {
        return vipPort;
    }

    @Override
    public InetSocketAddress target() {
        return target;
    }

    /** Whether it went to the fallback. */
    public boolean toFallback() {
        return backend.isFallback();
    }

    /** The label of the real server it went to, or {@code fallback}. */
    public String backendLabel() {
        return backend.label();
    }

    @Override
    public synchronized boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        end();
    }

    synchronized boolean end() {
        if (!open) {
            return false;
        }
        open = false;
        backend.release();
        return true;
    }

    Backend backend() {
        return backend;
    }
}
