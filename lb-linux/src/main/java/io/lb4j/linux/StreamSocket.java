package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The TCP sockets of a relay that runs on an io_uring event loop without Netty's channels: a listener, a backend
 * socket to connect, and the calls a relay makes outside the ring. Each socket is made in its address's own family,
 * non-blocking and close-on-exec, so no call has to ask a socket what it is.
 *
 * <p>Descriptors are ints; the caller closes them (through the ring, or {@link #close}). Safe from any thread.
 */
public final class StreamSocket {

    private static final int SOCK_STREAM = 1;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_IPV6 = 41;
    private static final int TCP_NODELAY = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int SO_RCVBUF = 8;
    private static final int SO_KEEPALIVE = 9;
    private static final int TCP_KEEPIDLE = 4;
    private static final int TCP_KEEPINTVL = 5;
    private static final int TCP_KEEPCNT = 6;
    private static final int IPV6_V6ONLY = 26;
    /** {@code shutdown(2)}'s {@code how}. */
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    /** errno of a shutdown on a socket its peer reset: the connection is gone. */
    public static final int ENOTCONN = 107;

    private StreamSocket() {
    }

    /**
     * A listening socket bound to {@code local} ({@code SO_REUSEADDR}, {@code TCP_NODELAY}, which accepted sockets
     * inherit; the IPv6 wildcard takes IPv4 clients as well).
     *
     * @param receiveBuffer {@code SO_RCVBUF} in bytes (accepted sockets take their window scale from it), or 0 for
     *                      the kernel's
     * @throws LinuxException naming the call and {@code local} when the socket cannot be made or bound
     */
    public static int listen(InetSocketAddress local, int backlog, int receiveBuffer) throws LinuxException {
        InetAddress address = local.getAddress();
        int fd = open(address, "listen on " + local);
        try {
            Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_REUSEADDR, 1, "setsockopt(SO_REUSEADDR)");
            Libc.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1, "setsockopt(TCP_NODELAY)");
            if (receiveBuffer > 0) {
                Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_RCVBUF, receiveBuffer, "setsockopt(SO_RCVBUF)");
            }
            if (address instanceof Inet6Address && address.isAnyLocalAddress()) {
                Libc.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, "setsockopt(IPV6_V6ONLY)");
            }
            try (Arena arena = Arena.ofConfined()) {
                Libc.bind(fd, Sockaddr.write(arena.allocate(Sockaddr.IN6_SIZE, 8), address, local.getPort(), 0),
                        "bind to " + local);
            }
            Libc.listen(fd, backlog, "listen on " + local);
            return fd;
        } catch (LinuxException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /** The port {@code fd} is bound to (a listener bound to port 0 learns its port here). */
    public static int localPort(int fd) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(Sockaddr.IN6_SIZE, 8);
            Libc.getsockname(fd, address, "getsockname");
            return Sockaddr.port(address);
        }
    }

    /** A socket to connect to {@code remote}, with {@code TCP_NODELAY}. */
    public static int connecting(InetSocketAddress remote) throws LinuxException {
        int fd = open(remote.getAddress(), "connect to " + remote);
        try {
            Libc.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1, "setsockopt(TCP_NODELAY)");
            return fd;
        } catch (LinuxException e) {
            closeQuietly(fd);
            throw e;
        }
    }

    /**
     * Writes {@code address} as a {@code sockaddr_in} or {@code sockaddr_in6} into {@code into} (at least
     * {@link #SOCKADDR_SIZE} bytes) and answers the part to pass with its length, e.g. to a ring's connect.
     */
    public static MemorySegment sockaddr(MemorySegment into, InetSocketAddress address) {
        return Sockaddr.write(into, address.getAddress(), address.getPort(), 0);
    }

    /** The socket address the kernel wrote at the start of {@code from} (an accept's peer, say). */
    public static InetSocketAddress address(MemorySegment from) {
        return Sockaddr.read(from);
    }

    /** Bytes that hold either socket address. */
    public static final int SOCKADDR_SIZE = Sockaddr.IN6_SIZE;

    /** {@code shutdown(2)}; answers 0 or the errno ({@link #ENOTCONN} once the peer reset). */
    public static int shutdown(int fd, int how) {
        return Libc.shutdown(fd, how);
    }

    /** {@link ConnectSocket#resetOnClose}, quiet if it cannot (closed or reset already: no FIN goes either way). */
    public static void resetOnClose(int fd) {
        try {
            ConnectSocket.resetOnClose(fd);
        } catch (LinuxException e) {
            // closed or reset already: the close that follows sends no FIN either way
        }
    }

    /**
     * TCP keepalive on {@code fd}: {@code SO_KEEPALIVE}, and when on the three timers (seconds, probes). On a
     * listener, the sockets it accepts inherit all four.
     */
    public static void keepAlive(int fd, boolean enabled, int idleSeconds, int intervalSeconds, int count)
            throws LinuxException {
        Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_KEEPALIVE, enabled ? 1 : 0, "setsockopt(SO_KEEPALIVE)");
        if (enabled) {
            Libc.setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, idleSeconds, "setsockopt(TCP_KEEPIDLE)");
            Libc.setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, intervalSeconds, "setsockopt(TCP_KEEPINTVL)");
            Libc.setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, count, "setsockopt(TCP_KEEPCNT)");
        }
    }

    /** {@code close(2)}, for a descriptor that never reached a ring. */
    public static void close(int fd) {
        closeQuietly(fd);
    }

    private static int open(InetAddress address, String what) throws LinuxException {
        int family = address instanceof Inet4Address ? Libc.AF_INET : Sockaddr.AF_INET6;
        return Libc.socket(family, SOCK_STREAM | SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0, "socket for " + what);
    }

    private static void closeQuietly(int fd) {
        try {
            Libc.close(fd, "close");
        } catch (LinuxException ignored) {
            // the descriptor is released whatever close reports
        }
    }
}
