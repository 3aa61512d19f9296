package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A raw IPv6 socket for one IP protocol (VRRP's 112) on one interface, the IPv6 counterpart of {@link RawIpSocket}.
 * An IPv6 raw socket never sees the IP header, so {@link #receive} rebuilds one from the ancillary data the kernel
 * attaches (source from the sender address, destination from {@code IPV6_PKTINFO}, hop limit from
 * {@code IPV6_HOPLIMIT}): the caller gets the same "whole packet, header first" it gets from the IPv4 socket and
 * checks the hop limit itself. Every packet is sent from the source address given to {@link #open} (an
 * {@code IPV6_PKTINFO} control message per send), so the checksum the caller computed over that source holds.
 *
 * <p>Set up with: {@code SO_BINDTODEVICE}, {@code IPV6_MULTICAST_IF}, {@code IPV6_MULTICAST_HOPS 255},
 * {@code IPV6_UNICAST_HOPS 255}, {@code IPV6_MULTICAST_LOOP 0}, {@code IPV6_RECVHOPLIMIT},
 * {@code IPV6_RECVPKTINFO}, and {@code IPV6_ADD_MEMBERSHIP} of the group on the interface when one is given. No
 * {@code IPV6_CHECKSUM}: the caller verifies checksums itself, so a bad one is counted rather than dropped unseen.
 *
 * <p>Needs CAP_NET_RAW. {@link #send} and {@link #receive} may be called from different threads; each may be called
 * by one thread at a time.
 */
public final class RawIp6Socket implements AutoCloseable {

    /** Length of the IPv6 header {@link #receive} puts before each payload. */
    public static final int HEADER_LENGTH = 40;
    private static final int AF_INET6 = 10;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_UNICAST_HOPS = 16;
    private static final int IPV6_MULTICAST_IF = 17;
    private static final int IPV6_MULTICAST_HOPS = 18;
    private static final int IPV6_MULTICAST_LOOP = 19;
    private static final int IPV6_ADD_MEMBERSHIP = 20;
    private static final int IPV6_RECVPKTINFO = 49;
    private static final int IPV6_PKTINFO = 50;
    private static final int IPV6_RECVHOPLIMIT = 51;
    private static final int IPV6_HOPLIMIT = 52;
    private static final int SO_BINDTODEVICE = 25;
    private static final int SOCKADDR_IN6 = 28;
    private static final int MSGHDR = 56;
    private static final int CMSG_HEADER = 16;
    /** CMSG_SPACE(sizeof(struct in6_pktinfo)): a 16-byte header and 20 bytes of data, aligned to 8. */
    private static final int PKTINFO_SPACE = 40;
    private static final int CONTROL_CAPACITY = 256;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private final int fd;
    private final String interfaceName;
    private final int interfaceIndex;
    private final int protocol;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment sendBuffer;
    private final MemorySegment sendAddress;
    private final MemorySegment sendIov;
    private final MemorySegment sendControl;
    private final MemorySegment sendMessage;
    private final MemorySegment receiveBuffer;
    private final MemorySegment receiveAddress;
    private final MemorySegment receiveIov;
    private final MemorySegment receiveControl;
    private final MemorySegment receiveMessage;
    private final MemorySegment pollfd;
    private volatile boolean closed;

    private RawIp6Socket(int fd, String interfaceName, int interfaceIndex, int protocol, Inet6Address source) {
        this.fd = fd;
        this.interfaceName = interfaceName;
        this.interfaceIndex = interfaceIndex;
        this.protocol = protocol;
        this.sendBuffer = arena.allocate(65_536);
        this.sendAddress = arena.allocate(SOCKADDR_IN6);
        this.sendIov = arena.allocate(16);
        this.sendControl = arena.allocate(PKTINFO_SPACE);
        this.sendMessage = arena.allocate(MSGHDR);
        this.receiveBuffer = arena.allocate(65_536);
        this.receiveAddress = arena.allocate(SOCKADDR_IN6);
        this.receiveIov = arena.allocate(16);
        this.receiveControl = arena.allocate(CONTROL_CAPACITY);
        this.receiveMessage = arena.allocate(MSGHDR);
        this.pollfd = arena.allocate(8);
        pollfd.set(ValueLayout.JAVA_INT, 0, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) Libc.POLLIN);
        // struct cmsghdr {cmsg_len, cmsg_level, cmsg_type} + struct in6_pktinfo {ipi6_addr, ipi6_ifindex}: the
        // source of every packet; the same for each send, so written once.
        sendControl.set(LONG, 0, CMSG_HEADER + 20);
        sendControl.set(INT, 8, IPPROTO_IPV6);
        sendControl.set(INT, 12, IPV6_PKTINFO);
        MemorySegment.copy(source.getAddress(), 0, sendControl, ValueLayout.JAVA_BYTE, CMSG_HEADER, 16);
        sendControl.set(INT, CMSG_HEADER + 16, interfaceIndex);
        sendIov.set(ValueLayout.ADDRESS, 0, sendBuffer);
        // struct msghdr {msg_name, msg_namelen, msg_iov, msg_iovlen, msg_control, msg_controllen, msg_flags}
        sendMessage.set(ValueLayout.ADDRESS, 0, sendAddress);
        sendMessage.set(INT, 8, SOCKADDR_IN6);
        sendMessage.set(ValueLayout.ADDRESS, 16, sendIov);
        sendMessage.set(LONG, 24, 1);
        sendMessage.set(ValueLayout.ADDRESS, 32, sendControl);
        sendMessage.set(LONG, 40, PKTINFO_SPACE);
        receiveIov.set(ValueLayout.ADDRESS, 0, receiveBuffer);
        receiveIov.set(LONG, 8, receiveBuffer.byteSize());
        receiveMessage.set(ValueLayout.ADDRESS, 16, receiveIov);
        receiveMessage.set(LONG, 24, 1);
    }

    /**
     * Opens the socket for {@code protocol} on {@code interfaceName} (index {@code interfaceIndex}), sending from
     * {@code source} (an address of that interface, for VRRP its link-local one), joined to {@code group} there unless
     * it is null.
     *
     * @throws LinuxException naming the step that failed (EPERM: CAP_NET_RAW missing; ENODEV: no such interface)
     */
    public static RawIp6Socket open(String interfaceName, int interfaceIndex, int protocol, Inet6Address source,
                                    Inet6Address group) throws LinuxException {
        int fd = Libc.socket(AF_INET6, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol,
                "socket(AF_INET6, SOCK_RAW, " + protocol + ")");
        try (Arena setup = Arena.ofConfined()) {
            String on = " on " + interfaceName;
            byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
            MemorySegment device = setup.allocate(name.length + 1);
            MemorySegment.copy(name, 0, device, ValueLayout.JAVA_BYTE, 0, name.length);
            Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_BINDTODEVICE, device, "setsockopt(SO_BINDTODEVICE)" + on);
            Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, interfaceIndex, "setsockopt(IPV6_MULTICAST_IF)" + on);
            Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255, "setsockopt(IPV6_MULTICAST_HOPS, 255)" + on);
            Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255, "setsockopt(IPV6_UNICAST_HOPS, 255)" + on);
            Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "setsockopt(IPV6_MULTICAST_LOOP, 0)" + on);
            Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "setsockopt(IPV6_RECVHOPLIMIT)" + on);
            Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "setsockopt(IPV6_RECVPKTINFO)" + on);
            if (group != null) {
                // struct ipv6_mreq {ipv6mr_multiaddr, ipv6mr_interface}
                MemorySegment mreq = setup.allocate(20);
                MemorySegment.copy(group.getAddress(), 0, mreq, ValueLayout.JAVA_BYTE, 0, 16);
                mreq.set(INT, 16, interfaceIndex);
                Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq,
                        "setsockopt(IPV6_ADD_MEMBERSHIP " + group.getHostAddress() + ")" + on);
            }
            NetCalls.warmUpSendto();
            return new RawIp6Socket(fd, interfaceName, interfaceIndex, protocol, source);
        } catch (LinuxException | RuntimeException e) {
            try {
                Libc.close(fd, "close(raw IPv6 socket)");
            } catch (LinuxException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Sends {@code payload} as one IPv6 packet to {@code destination}, from the source given to {@link #open}. */
    public synchronized void send(Inet6Address destination, byte[] payload) throws LinuxException {
        if (closed) {
            throw new LinuxException("sendmsg(raw IPv6 socket on " + interfaceName + ") after close", 9);
        }
        MemorySegment.copy(payload, 0, sendBuffer, ValueLayout.JAVA_BYTE, 0, payload.length);
        sendIov.set(LONG, 8, payload.length);
        // Port 0 for raw; the scope is the interface, so a link-local or multicast destination leaves on it.
        Sockaddr.write(sendAddress, destination, 0, interfaceIndex);
        NetCalls.sendmsg(fd, sendMessage, 0, "sendmsg(" + destination.getHostAddress() + ") on " + interfaceName);
    }

    /**
     * Waits up to {@code timeoutMillis} for a packet and copies it into {@code buffer}: a 40-byte IPv6 header rebuilt
     * from the ancillary data (hop limit 0 or destination :: when the kernel attached none), then the payload.
     *
     * @return the packet's length (truncated to the buffer), or -1 when none arrived in time or the socket closed
     */
    public int receive(byte[] buffer, int timeoutMillis) throws LinuxException {
        if (closed) {
            return -1;
        }
        if (Libc.poll(pollfd, 1, timeoutMillis, "poll(raw IPv6 socket on " + interfaceName + ")") == 0 || closed) {
            return -1;
        }
        receiveMessage.set(ValueLayout.ADDRESS, 0, receiveAddress);
        receiveMessage.set(INT, 8, SOCKADDR_IN6);
        receiveMessage.set(ValueLayout.ADDRESS, 32, receiveControl);
        receiveMessage.set(LONG, 40, CONTROL_CAPACITY);
        receiveMessage.set(INT, 48, 0);
        receiveAddress.fill((byte) 0);
        long n = NetCalls.recvmsg(fd, receiveMessage, NetCalls.MSG_DONTWAIT,
                "recvmsg(raw IPv6 socket on " + interfaceName + ")");
        if (n < 0 || buffer.length < HEADER_LENGTH) {
            return -1;
        }
        int hopLimit = 0;
        byte[] destination = new byte[16];
        long controlLength = Math.min(receiveMessage.get(LONG, 40), CONTROL_CAPACITY);
        long at = 0;
        while (at + CMSG_HEADER <= controlLength) {
            long length = receiveControl.get(LONG, at);
            if (length < CMSG_HEADER || at + length > controlLength) {
                break;
            }
            int level = receiveControl.get(INT, at + 8);
            int type = receiveControl.get(INT, at + 12);
            if (level == IPPROTO_IPV6 && type == IPV6_HOPLIMIT && length >= CMSG_HEADER + 4) {
                hopLimit = receiveControl.get(INT, at + CMSG_HEADER);
            } else if (level == IPPROTO_IPV6 && type == IPV6_PKTINFO && length >= CMSG_HEADER + 20) {
                MemorySegment.copy(receiveControl, ValueLayout.JAVA_BYTE, at + CMSG_HEADER, destination, 0, 16);
            }
            at += (length + 7) & ~7L;
        }
        int payload = (int) Math.min(n, buffer.length - HEADER_LENGTH);
        Arrays.fill(buffer, 0, HEADER_LENGTH, (byte) 0);
        buffer[0] = 0x60;
        buffer[4] = (byte) (n >>> 8);
        buffer[5] = (byte) n;
        buffer[6] = (byte) protocol;
        buffer[7] = (byte) hopLimit;
        MemorySegment.copy(receiveAddress, ValueLayout.JAVA_BYTE, 8, buffer, 8, 16);
        System.arraycopy(destination, 0, buffer, 24, 16);
        MemorySegment.copy(receiveBuffer, ValueLayout.JAVA_BYTE, 0, buffer, HEADER_LENGTH, payload);
        return HEADER_LENGTH + payload;
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
            Libc.close(fd, "close(raw IPv6 socket on " + interfaceName + ")");
        } finally {
            arena.close();
        }
    }
}
