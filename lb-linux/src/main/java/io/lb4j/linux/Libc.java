package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Linux C library calls lb4j needs (sockets, mmap, poll, ioctl, setns), bound through the Foreign Function &amp;
 * Memory API: no JNI, no C. Every call is checked: a failure throws a {@link LinuxException} naming the call, the
 * object it was made on and errno, captured atomically with the call (never read later from a stale errno).
 *
 * <p>Thread-safe. The calls a packet loop makes per batch ({@link #poll}, {@link #sendKick}) allocate nothing: the
 * errno capture buffer is one per thread, allocated on the thread's first call. Using this class requires native
 * access: {@code --enable-native-access=io.lb4j.linux} on the module path, {@code ...=ALL-UNNAMED} on the class path;
 * see {@link NativeAccess}.
 */
// Binding native calls is what this class is for; callers opt in with --enable-native-access.
@SuppressWarnings("restricted")
public final class Libc {

    public static final int AF_INET = 2;
    public static final int AF_PACKET = 17;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SOL_PACKET = 263;
    public static final int ETH_P_ALL = 0x0003;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MADV_HUGEPAGE = 14;
    public static final int POLLIN = 1;
    public static final int POLLERR = 8;
    public static final int CLONE_NEWNET = 0x40000000;
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE_BUFFER =
            ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE));

    private static final MethodHandle SOCKET = bind("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = bind("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = bind("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SHUTDOWN = bind("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = bind("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle GETSOCKOPT = bind("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MMAP = bind("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MADVISE = bind("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle POLL = bind("poll",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDTO = bind("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = bind("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle IOCTL = bindVariadic("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = bind("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle bindVariadic(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), descriptor,
                Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** Whether this code may call native functions without the JDK warning or refusing; see {@link NativeAccess}. */
    public static boolean nativeAccessEnabled() {
        return NativeAccess.enabled();
    }

    private static MemorySegment capture() {
        return CAPTURE_BUFFER.get();
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static RuntimeException linkageFailure(String call, Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call " + call + " could not be invoked", t);
    }

    /** {@code socket(2)}; returns the descriptor. */
    public static int socket(int domain, int type, int protocol, String what) throws LinuxException {
        MemorySegment c = capture();
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(c, domain, type, protocol);
        } catch (Throwable t) {
            throw linkageFailure("socket", t);
        }
        if (fd < 0) {
            throw new LinuxException(what, errno(c));
        }
        return fd;
    }

    /** {@code close(2)}; errors are reported, the descriptor is gone either way. */
    public static void close(int fd, String what) throws LinuxException {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) CLOSE.invokeExact(c, fd);
        } catch (Throwable t) {
            throw linkageFailure("close", t);
        }
        if (rc < 0) {
            throw new LinuxException(what, errno(c));
        }
    }

    /** {@code bind(2)} to the socket address in {@code address}. */
    public static void bind(int fd, MemorySegment address, String what) throws LinuxException {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) BIND.invokeExact(c, fd, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw linkageFailure("bind", t);
        }
        if (rc < 0) {
            throw new LinuxException(what, errno(c));
        }
    }

    /**
     * {@code connect(2)} to the socket address in {@code address}, answering 0 or the errno instead of throwing: on a
     * non-blocking socket {@code EINPROGRESS} is the usual answer, not a failure, and a health check that fails
     * thousands of times a second must not build an exception each time just to learn that.
     */
    public static int connect(int fd, MemorySegment address) {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) CONNECT.invokeExact(c, fd, address, (int) address.byteSize());
        } catch (Throwable t) {
            throw linkageFailure("connect", t);
        }
        return rc < 0 ? errno(c) : 0;
    }

    /** {@code listen(2)}. */
    public static void listen(int fd, int backlog, String what) throws LinuxException {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) LISTEN.invokeExact(c, fd, backlog);
        } catch (Throwable t) {
            throw linkageFailure("listen", t);
        }
        if (rc < 0) {
            throw new LinuxException(what, errno(c));
        }
    }

    /**
     * {@code shutdown(2)}, answering 0 or the errno instead of throwing: on a relay's data path a peer that reset
     * first ({@code ENOTCONN}) is an ordinary end, not worth an exception.
     */
    public static int shutdown(int fd, int how) {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) SHUTDOWN.invokeExact(c, fd, how);
        } catch (Throwable t) {
            throw linkageFailure("shutdown", t);
        }
        return rc < 0 ? errno(c) : 0;
    }

    /**
     * {@code getsockname(2)} into {@code address} (a {@code sockaddr_in6}'s size at least); answers the length the
     * kernel wrote.
     */
    public static int getsockname(int fd, MemorySegment address, String what) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment length = arena.allocateFrom(JAVA_INT, (int) address.byteSize());
            MemorySegment c = capture();
            int rc;
            try {
                rc = (int) GETSOCKNAME.invokeExact(c, fd, address, length);
            } catch (Throwable t) {
                throw linkageFailure("getsockname", t);
            }
            if (rc < 0) {
                throw new LinuxException(what, errno(c));
            }
            return length.get(JAVA_INT, 0);
        }
    }

    /**
     * {@code getsockopt(2)} of an int option, read through {@code scratch} (at least 8 bytes: the value, then its
     * length), which the caller reuses rather than allocating per call.
     */
    public static int getsockoptInt(int fd, int level, int option, MemorySegment scratch, String what)
            throws LinuxException {
        scratch.set(JAVA_INT, 4, 4);
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) GETSOCKOPT.invokeExact(c, fd, level, option, scratch.asSlice(0, 4), scratch.asSlice(4, 4));
        } catch (Throwable t) {
            throw linkageFailure("getsockopt", t);
        }
        if (rc < 0) {
            throw new LinuxException(what, errno(c));
        }
        return scratch.get(JAVA_INT, 0);
    }

    /** {@code setsockopt(2)} with the option value in {@code value}. */
    public static void setsockopt(int fd, int level, int option, MemorySegment value, String what)
            throws LinuxException {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) SETSOCKOPT.invokeExact(c, fd, level, option, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw linkageFailure("setsockopt", t);
        }
        if (rc < 0) {
            throw new LinuxException(what, errno(c));
        }
    }

    /** {@code setsockopt(2)} with an int value. */
    public static void setsockopt(int fd, int level, int option, int value, String what) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            setsockopt(fd, level, option, arena.allocateFrom(JAVA_INT, value), what);
        }
    }

    /** {@code mmap(2)} of {@code length} bytes of {@code fd}; the segment has that size. */
    public static MemorySegment mmap(long length, int protection, int flags, int fd, String what)
            throws LinuxException {
        MemorySegment c = capture();
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(c, MemorySegment.NULL, length, protection, flags, fd, 0L);
        } catch (Throwable t) {
            throw linkageFailure("mmap", t);
        }
        if (address.address() == -1L) { // MAP_FAILED
            throw new LinuxException(what, errno(c));
        }
        return address.reinterpret(length);
    }

    /** {@code madvise(2)} over the whole of {@code mapping}. */
    public static void madvise(MemorySegment mapping, int advice, String what) throws LinuxException {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) MADVISE.invokeExact(c, mapping, mapping.byteSize(), advice);
        } catch (Throwable t) {
            throw linkageFailure("madvise", t);
        }
        if (rc < 0) {
            throw new LinuxException(what, errno(c));
        }
    }

    /**
     * Anonymous zero-filled memory of {@code length} bytes, backed by transparent huge pages where the kernel
     * allows ({@code MADV_HUGEPAGE}; quietly 4 KiB pages where it does not). Large tables probed at random (the
     * packet engine's flow table) otherwise pay a TLB miss per probe, which costs most under virtualisation. The
     * memory is unmapped when the returned segment's automatic arena becomes unreachable.
     */
    public static MemorySegment allocateHuge(long length, String what) throws LinuxException {
        long huge = 2L << 20;
        long size = (length + huge - 1) / huge * huge;
        // Over-map by one huge page and use the 2 MiB-aligned part: only aligned extents can be huge pages.
        MemorySegment raw = mmap(size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, what);
        long base = raw.address();
        long aligned = (base + huge - 1) & -huge;
        MemorySegment usable = raw.asSlice(aligned - base, size);
        try {
            madvise(usable, MADV_HUGEPAGE, "madvise(MADV_HUGEPAGE) for " + what);
        } catch (LinuxException noHugePages) {
            // THP disabled ("never") or unsupported: 4 KiB pages work, only slower.
        }
        long rawSize = raw.byteSize();
        return MemorySegment.ofAddress(aligned).reinterpret(size, Arena.ofAuto(), ignored -> {
            try {
                munmap(MemorySegment.ofAddress(base).reinterpret(rawSize), "munmap(" + what + ")");
            } catch (LinuxException e) {
                // Nothing sensible to do in a cleaner; the mapping stays until the process ends.
            }
        }).asSlice(0, length);
    }

    /** {@code munmap(2)} of a segment {@link #mmap} returned. */
    public static void munmap(MemorySegment mapping, String what) throws LinuxException {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) MUNMAP.invokeExact(c, mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw linkageFailure("munmap", t);
        }
        if (rc < 0) {
            throw new LinuxException(what, errno(c));
        }
    }

    /**
     * {@code poll(2)} on {@code count} {@code struct pollfd}s; an interrupted wait (EINTR) returns 0.
     *
     * @return the number of descriptors with events
     */
    public static int poll(MemorySegment pollfds, int count, int timeoutMillis, String what) throws LinuxException {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) POLL.invokeExact(c, pollfds, (long) count, timeoutMillis);
        } catch (Throwable t) {
            throw linkageFailure("poll", t);
        }
        if (rc < 0) {
            int errno = errno(c);
            if (errno == LinuxException.EINTR) {
                return 0;
            }
            throw new LinuxException(what, errno);
        }
        return rc;
    }

    /**
     * {@code sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0)}: makes an AF_PACKET socket transmit the frames queued in
     * its TX ring. A full device queue (ENOBUFS, EAGAIN) is not an error: the frames stay queued for the next kick.
     */
    public static void sendKick(int fd, String what) throws LinuxException {
        MemorySegment c = capture();
        long rc;
        try {
            rc = (long) SENDTO.invokeExact(c, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw linkageFailure("sendto", t);
        }
        if (rc < 0) {
            int errno = errno(c);
            if (errno != LinuxException.ENOBUFS && errno != LinuxException.EAGAIN && errno != LinuxException.EINTR) {
                throw new LinuxException(what, errno);
            }
        }
    }

    /**
     * {@code send(fd, buffer, length, MSG_DONTWAIT)} on a connected or bound socket (AF_PACKET: one frame).
     *
     * @return the bytes sent, or -1 when the device queue is full now (ENOBUFS, EAGAIN, EINTR): the frame is
     *         dropped, as a full queue drops it in the kernel
     * @throws LinuxException on any other error (EMSGSIZE, EINVAL: a frame the kernel refuses)
     */
    public static long send(int fd, MemorySegment buffer, long length, String what) throws LinuxException {
        MemorySegment c = capture();
        long rc;
        try {
            rc = (long) SENDTO.invokeExact(c, fd, buffer, length, MSG_DONTWAIT, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw linkageFailure("sendto", t);
        }
        if (rc < 0) {
            int errno = errno(c);
            if (errno == LinuxException.ENOBUFS || errno == LinuxException.EAGAIN || errno == LinuxException.EINTR) {
                return -1;
            }
            throw new LinuxException(what, errno);
        }
        return rc;
    }

    /**
     * {@code sendmsg(fd, message, MSG_DONTWAIT)}: one datagram (an AF_PACKET frame) gathered from the message's
     * iovecs; {@code message} is a {@code struct msghdr} the caller filled.
     *
     * @return the bytes sent, or -1 when the device queue is full now (ENOBUFS, EAGAIN, EINTR): the frame is dropped
     * @throws LinuxException on any other error (EMSGSIZE, EINVAL: a frame the kernel refuses)
     */
    public static long sendmsg(int fd, MemorySegment message, String what) throws LinuxException {
        MemorySegment c = capture();
        long rc;
        try {
            rc = (long) SENDMSG.invokeExact(c, fd, message, MSG_DONTWAIT);
        } catch (Throwable t) {
            throw linkageFailure("sendmsg", t);
        }
        if (rc < 0) {
            int errno = errno(c);
            if (errno == LinuxException.ENOBUFS || errno == LinuxException.EAGAIN || errno == LinuxException.EINTR) {
                return -1;
            }
            throw new LinuxException(what, errno);
        }
        return rc;
    }

    /** {@code ioctl(2)} with a pointer argument. */
    public static int ioctl(int fd, long request, MemorySegment argument, String what) throws LinuxException {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) IOCTL.invokeExact(c, fd, request, argument);
        } catch (Throwable t) {
            throw linkageFailure("ioctl", t);
        }
        if (rc < 0) {
            throw new LinuxException(what, errno(c));
        }
        return rc;
    }

    /** {@code open(2)} of {@code path}; returns the descriptor (close it with {@link #close}). */
    public static int open(String path, int flags, String what) throws LinuxException {
        MemorySegment c = capture();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(c, arena.allocateFrom(path), flags);
        } catch (Throwable t) {
            throw linkageFailure("open", t);
        }
        if (fd < 0) {
            throw new LinuxException(what, errno(c));
        }
        return fd;
    }

    /**
     * {@code setns(2)}: moves the calling thread into the namespace that {@code fd} refers to (e.g. an open
     * {@code /var/run/netns/NAME}). Sockets the thread opens afterwards live in that namespace.
     */
    public static void setns(int fd, int namespaceType, String what) throws LinuxException {
        MemorySegment c = capture();
        int rc;
        try {
            rc = (int) SETNS.invokeExact(c, fd, namespaceType);
        } catch (Throwable t) {
            throw linkageFailure("setns", t);
        }
        if (rc < 0) {
            throw new LinuxException(what, errno(c));
        }
    }

    /** {@code strerror(3)}: the C library's text for an errno. */
    public static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
