package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The data-carrying socket calls {@link Libc} does not bind ({@code sendto} with a buffer, {@code recvfrom}), for the
 * HA module's sockets ({@link RawIpSocket}, {@link LinkLayerSocket}, {@link Rtnetlink}). Kept apart from
 * {@link Libc}, which the packet engine owns; same conventions: errno captured with the call, failures thrown as
 * {@link LinuxException} naming what failed.
 */
@SuppressWarnings("restricted")
final class NetCalls {

    static final int MSG_DONTWAIT = 0x40;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE_BUFFER =
            ThreadLocal.withInitial(() -> Arena.global().allocate(CAPTURE));
    private static final MethodHandle SENDTO = bind("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVFROM = bind("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RECVMSG = bind("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG = bind("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    private NetCalls() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError(name)), descriptor, Linker.Option.captureCallState("errno"));
    }

    /** {@code sendto(2)} of {@code length} bytes of {@code buffer}; {@code address} may be {@code NULL}. */
    static long sendto(int fd, MemorySegment buffer, long length, int flags, MemorySegment address, String what)
            throws LinuxException {
        MemorySegment c = CAPTURE_BUFFER.get();
        long rc;
        try {
            rc = (long) SENDTO.invokeExact(c, fd, buffer, length, flags, address,
                    address.equals(MemorySegment.NULL) ? 0 : (int) address.byteSize());
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc < 0) {
            throw new LinuxException(what, (int) ERRNO.get(c, 0L));
        }
        return rc;
    }

    /**
     * Runs the {@code sendto} downcall once on an invalid descriptor (EBADF, nothing is sent), so the first real send
     * does not pay for linking the call and its error path: a VRRP backup's first advert as master, or the first
     * gratuitous ARP, is on the takeover's critical path. Safe to call any number of times.
     */
    static void warmUpSendto() {
        try (Arena arena = Arena.ofConfined()) {
            sendto(-1, arena.allocate(1), 1, 0, MemorySegment.NULL, "sendto warm-up");
        } catch (LinuxException expected) {
            // EBADF: the call and its error path ran
        }
    }

    /**
     * {@code recvfrom(2)} without a source address; returns the byte count, or -1 when nothing is waiting
     * ({@code EAGAIN} with {@link #MSG_DONTWAIT}) or the call was interrupted.
     */
    static long recv(int fd, MemorySegment buffer, int flags, String what) throws LinuxException {
        MemorySegment c = CAPTURE_BUFFER.get();
        long rc;
        try {
            rc = (long) RECVFROM.invokeExact(c, fd, buffer, buffer.byteSize(), flags, MemorySegment.NULL,
                    MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return receivedOrNothing(rc, c, what);
    }

    /**
     * {@code recvmsg(2)} into the {@code struct msghdr} the caller filled (for a raw IPv6 socket's ancillary data:
     * the hop limit and the destination); returns the byte count, or -1 when nothing is waiting ({@code EAGAIN} with
     * {@link #MSG_DONTWAIT}) or the call was interrupted.
     */
    static long recvmsg(int fd, MemorySegment message, int flags, String what) throws LinuxException {
        MemorySegment c = CAPTURE_BUFFER.get();
        long rc;
        try {
            rc = (long) RECVMSG.invokeExact(c, fd, message, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return receivedOrNothing(rc, c, what);
    }

    /** {@code sendmsg(2)} of the {@code struct msghdr} the caller filled (blocking, unlike {@link Libc#sendmsg}). */
    static long sendmsg(int fd, MemorySegment message, int flags, String what) throws LinuxException {
        MemorySegment c = CAPTURE_BUFFER.get();
        long rc;
        try {
            rc = (long) SENDMSG.invokeExact(c, fd, message, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc < 0) {
            throw new LinuxException(what, (int) ERRNO.get(c, 0L));
        }
        return rc;
    }

    /** A receive's result: the byte count, -1 for nothing waiting or an interrupted call, else the error thrown. */
    private static long receivedOrNothing(long rc, MemorySegment capture, String what) throws LinuxException {
        if (rc >= 0) {
            return rc;
        }
        int errno = (int) ERRNO.get(capture, 0L);
        if (errno == LinuxException.EAGAIN || errno == LinuxException.EINTR) {
            return -1;
        }
        throw new LinuxException(what, errno);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native socket call could not be invoked", t);
    }
}
