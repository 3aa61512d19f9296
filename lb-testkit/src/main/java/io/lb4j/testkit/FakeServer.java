package io.lb4j.testkit;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;

/**
 * A fake host at one address, as the test kit's health checks see it. Healthy by default: every port accepts.
 *
 * <ul>
 *   <li>{@link #fail()}: the host is gone, nothing answers, so checks time out (a powered-off cluster);</li>
 *   <li>{@link #fail(int)}: the host is up but that port refuses connections (a stopped service);</li>
 *   <li>{@link #recover()}: everything answers again.</li>
 * </ul>
 * Thread-safe.
 */
public final class FakeServer {

    private final InetAddress address;
    private boolean down;
    private final Set<Integer> refusedPorts = new HashSet<>();

    FakeServer(InetAddress address) {
        this.address = address;
    }

    /** The host's address. */
    public InetAddress address() {
        return address;
    }

    /** Nothing answers any more: connection attempts hang until their timeout. */
    public synchronized FakeServer fail() {
        down = true;
        return this;
    }

    /** Connections to {@code port} are refused; other ports still answer. */
    public synchronized FakeServer fail(int port) {
        refusedPorts.add(port);
        return this;
    }

    /** Everything answers again. */
    public synchronized FakeServer recover() {
        down = false;
        refusedPorts.clear();
        return this;
    }

    /** Whether the host answers at all. */
    public synchronized boolean isDown() {
        return down;
    }

    /** Whether {@code port} refuses connections (when the host answers). */
    public synchronized boolean refuses(int port) {
        return refusedPorts.contains(port);
    }
}
