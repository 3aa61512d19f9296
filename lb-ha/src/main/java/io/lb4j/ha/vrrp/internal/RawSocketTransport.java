package io.lb4j.ha.vrrp.internal;

import io.lb4j.linux.Link;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.RawIpSocket;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.spi.VrrpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.util.concurrent.locks.LockSupport;

/**
 * The production {@link VrrpTransport}: a raw IPv4 socket for protocol 112 bound to one interface, joined to
 * 224.0.0.18 there (unless unicast), and one daemon thread that receives. The thread polls with a 100 ms timeout so
 * {@link #close()} returns within that.
 */
public final class RawSocketTransport implements VrrpTransport {

    private static final Logger LOG = LoggerFactory.getLogger(RawSocketTransport.class);
    private static final int POLL_MILLIS = 100;

    private final String interfaceName;
    private final Inet4Address primary;
    private final RawIpSocket socket;
    private volatile boolean running;
    private Thread thread;

    private RawSocketTransport(String interfaceName, Inet4Address primary, RawIpSocket socket) {
        this.interfaceName = interfaceName;
        this.primary = primary;
        this.socket = socket;
    }

    /**
     * Opens the socket on {@code interfaceName}; the primary address is the interface's first IPv4 address with a
     * prefix shorter than /32 (virtual addresses are added as /32 and must not become the advert source).
     *
     * @throws IOException when the interface has no IPv4 address or the socket cannot be set up
     */
    public static RawSocketTransport open(String interfaceName, boolean multicast) throws IOException {
        NetworkInterface ni = NetworkInterface.getByName(interfaceName);
        if (ni == null) {
            throw new IOException("no network interface \"" + interfaceName + "\" in this network namespace");
        }
        Inet4Address primary = null;
        Inet4Address any = null;
        for (InterfaceAddress a : ni.getInterfaceAddresses()) {
            if (a.getAddress() instanceof Inet4Address v4) {
                if (any == null) {
                    any = v4;
                }
                if (primary == null && a.getNetworkPrefixLength() < 32) {
                    primary = v4;
                }
            }
        }
        if (primary == null) {
            primary = any;
        }
        if (primary == null) {
            throw new IOException("network interface \"" + interfaceName + "\" has no IPv4 address (expected: the "
                    + "router's own address, the source of its adverts)");
        }
        try {
            RawIpSocket socket = RawIpSocket.open(interfaceName, ni.getIndex(), VrrpCodec.PROTOCOL,
                    multicast ? VrrpInstance.MULTICAST_GROUP : null);
            return new RawSocketTransport(interfaceName, primary, socket);
        } catch (LinuxException e) {
            if (e.errno() == LinuxException.EPERM) {
                throw new IOException(e.getMessage() + " (VRRP needs CAP_NET_RAW)", e);
            }
            throw e;
        }
    }

    @Override
    public synchronized void start(Receiver receiver) {
        if (thread != null) {
            throw new IllegalStateException("transport on " + interfaceName + " already started");
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("lb4j-vrrp-rx-" + interfaceName).start(() -> receiveLoop(receiver));
    }

    private void receiveLoop(Receiver receiver) {
        byte[] buffer = new byte[65_536];
        long failures = 0;
        while (running) {
            try {
                int n = socket.receive(buffer, POLL_MILLIS);
                if (n > 0) {
                    receiver.onPacket(buffer, n);
                }
            } catch (LinuxException e) {
                if (!running) {
                    return;
                }
                if (failures++ % 100 == 0) {
                    LOG.warn("VRRP receive on {} failed ({} failures so far): {}", interfaceName, failures,
                            e.getMessage());
                }
                LockSupport.parkNanos(10_000_000L); // an interface going down errors at once: do not spin
            } catch (RuntimeException e) {
                LOG.error("VRRP receiver on {} failed; packet skipped", interfaceName, e);
            }
        }
    }

    @Override
    public void send(Inet4Address destination, byte[] message) throws IOException {
        socket.send(destination, message);
    }

    @Override
    public boolean linkUp() {
        return Link.operational(interfaceName);
    }

    @Override
    public Inet4Address primaryAddress() {
        return primary;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            socket.close();
        } catch (LinuxException e) {
            LOG.warn("closing the VRRP socket on {} failed: {}", interfaceName, e.getMessage());
        }
    }
}
