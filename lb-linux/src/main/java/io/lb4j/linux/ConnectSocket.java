package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * A non-blocking TCP socket that only connects, for a connect health check run on an event loop of its own: the
 * system calls it needs and none other. Netty's socket classes learn a new socket's family with a
 * {@code getsockname} each, one system call in seven of such a check; here the family is the one the socket was
 * made with.
 *
 * <p>Each method takes or answers the descriptor as an int; the caller closes it (on an event loop, through the
 * loop's own descriptor type). Scratch memory is per thread, so calls allocate nothing native; safe from any thread.
 */
public final class ConnectSocket {

    private static final int SOCK_STREAM = 1;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_QUICKACK = 12;
    private static final int SO_ERROR = 4;
    private static final int SO_LINGER = 13;
    /** errno of a connect under way on a non-blocking socket. */
    private static final int EINPROGRESS = 115;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Sockaddr.IN6_SIZE, 8));

    private ConnectSocket() {
    }

    /**
     * A new non-blocking, close-on-exec TCP socket of {@code remote}'s family, with quick ACK off: as HAProxy's
     * connect check, the handshake's last ACK then waits for data that never comes, and the close's RST goes instead,
     * so the server sees SYN and RST and never accepts.
     *
     * @throws LinuxException when no socket can be made (EMFILE, ENOBUFS, EAFNOSUPPORT on a kernel without IPv6)
     */
    public static int open(InetSocketAddress remote) throws LinuxException {
        int family = remote.getAddress() instanceof Inet4Address ? Libc.AF_INET : Sockaddr.AF_INET6;
        int fd = Libc.socket(family, SOCK_STREAM | SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0,
                "socket(" + (family == Libc.AF_INET ? "AF_INET" : "AF_INET6") + ", SOCK_STREAM)");
        try {
            setInt(fd, IPPROTO_TCP, TCP_QUICKACK, 0, "setsockopt(TCP_QUICKACK)");
        } catch (LinuxException e) {
            closeQuietly(fd);
            throw e;
        }
        return fd;
    }

    /**
     * Starts connecting {@code fd} to {@code remote}.
     *
     * @return true when connected at once, false when the connect is under way (wait for the socket to be writable)
     * @throws LinuxException when it failed at once, e.g. {@code "connect to 10.0.0.1:104 failed: ENETUNREACH
     *                        (Network is unreachable)"}
     */
    public static boolean connect(int fd, InetSocketAddress remote) throws LinuxException {
        MemorySegment address = Sockaddr.write(SCRATCH.get(), remote.getAddress(), remote.getPort(), 0);
        int errno = Libc.connect(fd, address);
        if (errno == 0) {
            return true;
        }
        if (errno == EINPROGRESS) {
            return false;
        }
        throw new LinuxException("connect to " + remote, errno);
    }

    /**
     * Throws why the connect under way on {@code fd} failed ({@code SO_ERROR}), e.g. {@code ECONNREFUSED}; returns
     * when it did not fail.
     */
    public static void throwIfFailed(int fd, InetSocketAddress remote) throws LinuxException {
        int error = Libc.getsockoptInt(fd, Libc.SOL_SOCKET, SO_ERROR, SCRATCH.get(), "getsockopt(SO_ERROR)");
        if (error != 0) {
            throw new LinuxException("connect to " + remote, error);
        }
    }

    /** {@code SO_LINGER} on with 0 s: closing {@code fd} then resets the connection (no FIN, no TIME_WAIT). */
    public static void resetOnClose(int fd) throws LinuxException {
        MemorySegment linger = SCRATCH.get().asSlice(0, 8);
        linger.set(ValueLayout.JAVA_INT, 0, 1);
        linger.set(ValueLayout.JAVA_INT, 4, 0);
        Libc.setsockopt(fd, Libc.SOL_SOCKET, SO_LINGER, linger, "setsockopt(SO_LINGER)");
    }

    private static void setInt(int fd, int level, int option, int value, String what) throws LinuxException {
        MemorySegment v = SCRATCH.get().asSlice(0, 4);
        v.set(ValueLayout.JAVA_INT, 0, value);
        Libc.setsockopt(fd, level, option, v, what);
    }

    private static void closeQuietly(int fd) {
        try {
            Libc.close(fd, "close");
        } catch (LinuxException ignored) {
            // the descriptor is released whatever close reports
        }
    }
}
