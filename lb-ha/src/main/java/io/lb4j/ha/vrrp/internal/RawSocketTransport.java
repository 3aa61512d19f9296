package io.lb4j.ha.vrrp.internal;

import io.lb4j.api.internal.Addresses;
import io.lb4j.linux.Link;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.RawIp6Socket;
import io.lb4j.linux.RawIpSocket;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.spi.VrrpTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.util.concurrent.locks.LockSupport;

/**
 * The production {@link VrrpTransport}: a raw socket for protocol 112 bound to one interface, IPv4 joined to
 * 224.0.0.18 or IPv6 joined to ff02::12 there (unless unicast), and one daemon thread that receives. The thread polls
 * with a 100 ms timeout so {@link #close()} returns within that. An IPv4 and an IPv6 transport on one interface are
 * independent sockets: each receives its own family's adverts only.
 */
public final class RawSocketTransport implements VrrpTransport {

    private static final Logger LOG = LoggerFactory.getLogger(RawSocketTransport.class);
    private static final int POLL_MILLIS = 100;

    private final String interfaceName;
    private final InetAddress primary;
    private final RawIpSocket socket;
    private final RawIp6Socket socket6;
    private volatile boolean running;
    private Thread thread;

    private RawSocketTransport(String interfaceName, InetAddress primary, RawIpSocket socket, RawIp6Socket socket6) {
        this.interfaceName = interfaceName;
        this.primary = primary;
        this.socket = socket;
        this.socket6 = socket6;
    }

    /**
     * Opens the socket on {@code interfaceName}; the primary address is the interface's first IPv4 address with a
     * prefix shorter than /32 (virtual addresses are added as /32 and must not become the advert source).
     *
     * @throws IOException when the interface has no IPv4 address or the socket cannot be set up
     */
    public static RawSocketTransport open(String interfaceName, boolean multicast, boolean ipv6) throws IOException {
        NetworkInterface ni = NetworkInterface.getByName(interfaceName);
        if (ni == null) {
            throw new IOException("no network interface \"" + interfaceName + "\" in this network namespace");
        }
        if (ipv6) {
            return open6(interfaceName, ni, multicast);
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
            return new RawSocketTransport(interfaceName, primary, socket, null);
        } catch (LinuxException e) {
            throw permission(e);
        }
    }

    /**
     * The IPv6 transport: adverts go out from the interface's link-local address (RFC 5798 5.1.2.1), which is also
     * this router's tie-break address. The link-local address must be usable: an interface brought up a moment ago
     * may still be running duplicate address detection on it, and the first adverts fail until it is done.
     */
    private static RawSocketTransport open6(String interfaceName, NetworkInterface ni, boolean multicast)
            throws IOException {
        Inet6Address linkLocal = null;
        for (InterfaceAddress a : ni.getInterfaceAddresses()) {
            if (a.getAddress() instanceof Inet6Address v6 && v6.isLinkLocalAddress()) {
                linkLocal = (Inet6Address) Inet6Address.getByAddress(null, v6.getAddress(), -1);
                break;
            }
        }
        if (linkLocal == null) {
            throw new IOException("network interface \"" + interfaceName + "\" has no IPv6 link-local address"
                    + " (expected: one, the source of IPv6 VRRP adverts; is IPv6 disabled on it?)");
        }
        try {
            RawIp6Socket socket = RawIp6Socket.open(interfaceName, ni.getIndex(), VrrpCodec.PROTOCOL, linkLocal,
                    multicast ? VrrpInstance.MULTICAST_GROUP_IPV6 : null);
            return new RawSocketTransport(interfaceName, linkLocal, null, socket);
        } catch (LinuxException e) {
            throw permission(e);
        }
    }

    private static IOException permission(LinuxException e) {
        return e.errno() == LinuxException.EPERM ? new IOException(e.getMessage() + " (VRRP needs CAP_NET_RAW)", e) : e;
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
                int n = socket != null ? socket.receive(buffer, POLL_MILLIS) : socket6.receive(buffer, POLL_MILLIS);
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
    public void send(InetAddress destination, byte[] message) throws IOException {
        if (socket != null && destination instanceof Inet4Address v4) {
            socket.send(v4, message);
        } else if (socket6 != null && destination instanceof Inet6Address v6) {
            socket6.send(v6, message);
        } else {
            throw new IOException("destination " + Addresses.text(destination) + " is not of this transport's family");
        }
    }

    @Override
    public boolean linkUp() {
        return Link.operational(interfaceName);
    }

    @Override
    public InetAddress primaryAddress() {
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
            if (socket != null) {
                socket.close();
            } else {
                socket6.close();
            }
        } catch (LinuxException e) {
            LOG.warn("closing the VRRP socket on {} failed: {}", interfaceName, e.getMessage());
        }
    }
}
