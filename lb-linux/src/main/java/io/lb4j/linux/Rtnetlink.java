package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteOrder;

/**
 * Adds and removes IPv4 and IPv6 addresses on an interface through rtnetlink ({@code RTM_NEWADDR} /
 * {@code RTM_DELADDR}), what {@code ip addr add|del} does, without forking a process: one request, one
 * acknowledgement. IPv6 addresses are added with {@code IFA_F_NODAD} ({@code ip addr add ... nodad}): a virtual
 * address taken over from a failed peer must be usable at once, not after a second of duplicate address detection
 * (during which the kernel neither uses it nor answers for it).
 *
 * <p>Needs CAP_NET_ADMIN in the network namespace. Thread-safe (requests are serialized).
 */
public final class Rtnetlink implements AutoCloseable {

    private static final int AF_NETLINK = 16;
    private static final int NETLINK_ROUTE = 0;
    private static final int RTM_NEWADDR = 20;
    private static final int RTM_DELADDR = 21;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 0x1;
    private static final int NLM_F_ACK = 0x4;
    private static final int NLM_F_EXCL = 0x200;
    private static final int NLM_F_CREATE = 0x400;
    private static final int IFA_ADDRESS = 1;
    private static final int IFA_LOCAL = 2;
    private static final int IFA_F_NODAD = 0x02;
    private static final int AF_INET6 = 10;
    private static final int EEXIST = 17;
    private static final int EADDRNOTAVAIL = 99;
    /** nlmsghdr (16) + ifaddrmsg (8) + two rtattr of an IPv6 address (20 each); an IPv4 request uses 40. */
    private static final int REQUEST_CAPACITY = 64;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment request;
    private final MemorySegment reply;
    private final MemorySegment kernel;
    private int sequence;
    private boolean closed;

    private Rtnetlink(int fd) {
        this.fd = fd;
        this.request = arena.allocate(REQUEST_CAPACITY);
        this.reply = arena.allocate(8192);
        this.kernel = arena.allocate(12); // struct sockaddr_nl {family, pad, pid 0 = kernel, groups 0}
        kernel.set(SHORT, 0, (short) AF_NETLINK);
    }

    /**
     * Opens a NETLINK_ROUTE socket.
     *
     * @throws LinuxException when the socket cannot be created
     */
    public static Rtnetlink open() throws LinuxException {
        return new Rtnetlink(Libc.socket(AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE,
                "socket(AF_NETLINK, NETLINK_ROUTE)"));
    }

    /**
     * Adds {@code address}/{@code prefixLength} to the interface; an address already present is not an error.
     *
     * @return whether the address was added (false: it was already there)
     * @throws LinuxException naming the address and interface (EPERM: CAP_NET_ADMIN missing; ENODEV: no interface)
     */
    public synchronized boolean addAddress(int interfaceIndex, InetAddress address, int prefixLength)
            throws LinuxException {
        int errno = request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, interfaceIndex, address, prefixLength);
        if (errno == EEXIST) {
            return false;
        }
        if (errno != 0) {
            throw new LinuxException("RTM_NEWADDR " + address.getHostAddress() + "/" + prefixLength
                    + " on interface index " + interfaceIndex, errno);
        }
        return true;
    }

    /**
     * Removes {@code address}/{@code prefixLength} from the interface; an address not present is not an error.
     *
     * @return whether the address was removed (false: it was not there)
     */
    public synchronized boolean deleteAddress(int interfaceIndex, InetAddress address, int prefixLength)
            throws LinuxException {
        int errno = request(RTM_DELADDR, 0, interfaceIndex, address, prefixLength);
        if (errno == EADDRNOTAVAIL) {
            return false;
        }
        if (errno != 0) {
            throw new LinuxException("RTM_DELADDR " + address.getHostAddress() + "/" + prefixLength
                    + " on interface index " + interfaceIndex, errno);
        }
        return true;
    }

    /** Sends one address request and waits for its acknowledgement; returns the errno the kernel reported. */
    private int request(int type, int flags, int interfaceIndex, InetAddress address, int prefixLength)
            throws LinuxException {
        if (closed) {
            throw new LinuxException("rtnetlink request after close", 9);
        }
        int seq = ++sequence;
        byte[] bytes = address.getAddress();
        boolean v6 = address instanceof Inet6Address;
        int requestLength = 24 + 2 * (4 + bytes.length);
        request.fill((byte) 0);
        // struct nlmsghdr {len, type, flags, seq, pid}
        request.set(INT, 0, requestLength);
        request.set(SHORT, 4, (short) type);
        request.set(SHORT, 6, (short) (NLM_F_REQUEST | NLM_F_ACK | flags));
        request.set(INT, 8, seq);
        // struct ifaddrmsg {family, prefixlen, flags, scope (0 = universe), index}
        request.set(ValueLayout.JAVA_BYTE, 16, (byte) (v6 ? AF_INET6 : Libc.AF_INET));
        request.set(ValueLayout.JAVA_BYTE, 17, (byte) prefixLength);
        request.set(ValueLayout.JAVA_BYTE, 18, (byte) (v6 ? IFA_F_NODAD : 0));
        request.set(INT, 20, interfaceIndex);
        // struct rtattr {len, type} + the address, for IFA_LOCAL and IFA_ADDRESS (equal: not point-to-point)
        int offset = 24;
        for (int attribute : new int[]{IFA_LOCAL, IFA_ADDRESS}) {
            request.set(SHORT, offset, (short) (4 + bytes.length));
            request.set(SHORT, offset + 2, (short) attribute);
            MemorySegment.copy(bytes, 0, request, ValueLayout.JAVA_BYTE, offset + 4, bytes.length);
            offset += 4 + bytes.length;
        }
        String what = (type == RTM_NEWADDR ? "RTM_NEWADDR " : "RTM_DELADDR ") + address.getHostAddress();
        NetCalls.sendto(fd, request, requestLength, 0, kernel, "sendto(" + what + ")");
        while (true) {
            long n = NetCalls.recv(fd, reply, 0, "recv(ack of " + what + ")");
            if (n < 0) {
                continue; // EINTR
            }
            // Walk the messages; the acknowledgement is an NLMSG_ERROR carrying our sequence number.
            long at = 0;
            while (at + 16 <= n) {
                int length = reply.get(INT, at);
                int messageType = reply.get(SHORT, at + 4) & 0xFFFF;
                int messageSeq = reply.get(INT, at + 8);
                if (length < 16) {
                    break;
                }
                if (messageType == NLMSG_ERROR && messageSeq == seq) {
                    return -reply.get(INT, at + 16);
                }
                at += (length + 3) & ~3;
            }
        }
    }

    /** Closes the socket; idempotent. */
    @Override
    public synchronized void close() throws LinuxException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.close(fd, "close(rtnetlink socket)");
        } finally {
            arena.close();
        }
    }
}
