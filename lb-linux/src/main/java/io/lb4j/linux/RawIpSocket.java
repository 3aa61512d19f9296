package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;

/**
 * A raw IPv4 socket for one IP protocol (VRRP's 112) on one interface: the kernel builds the IP header on send
 * (TTL 255, unicast and multicast), and {@link #receive} returns whole packets, IP header included, so the caller
 * can check the TTL.
 *
 * <p>Set up with: {@code SO_BINDTODEVICE} (only this interface's packets), {@code IP_MULTICAST_IF},
 * {@code IP_MULTICAST_TTL 255}, {@code IP_TTL 255}, {@code IP_MULTICAST_LOOP 0} (our adverts are not read back),
 * and {@code IP_ADD_MEMBERSHIP} of the group on the interface when one is given.
 *
 * <p>Needs CAP_NET_RAW. {@link #send} and {@link #receive} may be called from different threads; each may be called
 * by one thread at a time.
 */
public final class RawIpSocket implements AutoCloseable {

    private static final int IPPROTO_IP = 0;
    private static final int IP_TTL = 2;
    private static final int IP_MULTICAST_IF = 32;
    private static final int IP_MULTICAST_TTL = 33;
    private static final int IP_MULTICAST_LOOP = 34;
    private static final int IP_ADD_MEMBERSHIP = 35;
    private static final int SO_BINDTODEVICE = 25;
    private static final ValueLayout.OfInt NATIVE_INT = ValueLayout.JAVA_INT_UNALIGNED;

    private final int fd;
    private final String interfaceName;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment sendBuffer;
    private final MemorySegment sendAddress;
    private final MemorySegment receiveBuffer;
    private final MemorySegment pollfd;
    private volatile boolean closed;

    private RawIpSocket(int fd, String interfaceName) {
        this.fd = fd;
        this.interfaceName = interfaceName;
        this.sendBuffer = arena.allocate(65_536);
        this.sendAddress = arena.allocate(Sockaddr.IN_SIZE);
        this.receiveBuffer = arena.allocate(65_536);
        this.pollfd = arena.allocate(8);
        pollfd.set(ValueLayout.JAVA_INT, 0, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) Libc.POLLIN);
    }

    /**
     * Opens the socket for {@code protocol} on {@code interfaceName} (index {@code interfaceIndex}), joined to
     * {@code group} there unless it is null.
     *
     * @throws LinuxException naming the step that failed (EPERM: CAP_NET_RAW missing; ENODEV: no such interface)
     */
    public static RawIpSocket open(String interfaceName, int interfaceIndex, int protocol, Inet4Address group)
            throws LinuxException {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol,
                "socket(AF_INET, SOCK_RAW, " + protocol + ")");
        try (Arena setup = Arena.ofConfined()) {
            String on = " on " + interfaceName;
            byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
            MemorySegment device = setup.allocate(name.length + 1);
            MemorySegment.copy(name, 0, device, ValueLayout.JAVA_BYTE, 0, name.length);
            Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_BINDTODEVICE, device, "setsockopt(SO_BINDTODEVICE)" + on);
            Libc.setsockopt(fd, IPPROTO_IP, IP_TTL, 255, "setsockopt(IP_TTL, 255)" + on);
            Libc.setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, 255, "setsockopt(IP_MULTICAST_TTL, 255)" + on);
            Libc.setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "setsockopt(IP_MULTICAST_LOOP, 0)" + on);
            // struct ip_mreqn {imr_multiaddr, imr_address, imr_ifindex}
            MemorySegment mreqn = setup.allocate(12);
            mreqn.set(NATIVE_INT, 8, interfaceIndex);
            Libc.setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, mreqn, "setsockopt(IP_MULTICAST_IF)" + on);
            if (group != null) {
                MemorySegment.copy(group.getAddress(), 0, mreqn, ValueLayout.JAVA_BYTE, 0, 4);
                Libc.setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreqn,
                        "setsockopt(IP_ADD_MEMBERSHIP " + group.getHostAddress() + ")" + on);
            }
            NetCalls.warmUpSendto();
            return new RawIpSocket(fd, interfaceName);
        } catch (LinuxException | RuntimeException e) {
            try {
                Libc.close(fd, "close(raw socket)");
            } catch (LinuxException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Sends {@code payload} as one IPv4 packet to {@code destination}. */
    public synchronized void send(Inet4Address destination, byte[] payload) throws LinuxException {
        if (closed) {
            throw new LinuxException("sendto(raw socket on " + interfaceName + ") after close", 9);
        }
        MemorySegment.copy(payload, 0, sendBuffer, ValueLayout.JAVA_BYTE, 0, payload.length);
        Sockaddr.write(sendAddress, destination, 0, 0); // port 0 for raw
        NetCalls.sendto(fd, sendBuffer, payload.length, 0, sendAddress,
                "sendto(" + destination.getHostAddress() + ") on " + interfaceName);
    }

    /**
     * Waits up to {@code timeoutMillis} for a packet and copies it (IP header first) into {@code buffer}.
     *
     * @return the packet's length (truncated to the buffer), or -1 when none arrived in time or the socket closed
     */
    public int receive(byte[] buffer, int timeoutMillis) throws LinuxException {
        if (closed) {
            return -1;
        }
        if (Libc.poll(pollfd, 1, timeoutMillis, "poll(raw socket on " + interfaceName + ")") == 0 || closed) {
            return -1;
        }
        long n = NetCalls.recv(fd, receiveBuffer, NetCalls.MSG_DONTWAIT, "recvfrom(raw socket on " + interfaceName + ")");
        if (n < 0) {
            return -1;
        }
        int length = (int) Math.min(n, buffer.length);
        MemorySegment.copy(receiveBuffer, ValueLayout.JAVA_BYTE, 0, buffer, 0, length);
        return length;
    }

    /**
     * Closes the socket and frees its buffers. Call only once the thread that calls {@link #receive} has returned
     * (its poll returns within its timeout); idempotent.
     */
    @Override
    public synchronized void close() throws LinuxException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.close(fd, "close(raw socket on " + interfaceName + ")");
        } finally {
            arena.close();
        }
    }
}
