package io.lb4j.engine.proxy;

import io.netty.channel.uring.IoUringIoOps;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The io_uring requests of the relay that runs without Netty channels ({@link UringRelay}, {@link UringListener}),
 * built with {@link IoUringIoOps}' public constructor: opcodes and flags from {@code <linux/io_uring.h>}. Each
 * request carries a {@code data} short that its completion returns, saying what it was.
 */
final class UringOps {

    static final byte OP_ACCEPT = 13;
    static final byte OP_ASYNC_CANCEL = 14;
    static final byte OP_CONNECT = 16;
    static final byte OP_CLOSE = 19;
    static final byte OP_SEND = 26;
    static final byte OP_RECV = 27;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int MSG_NOSIGNAL = 0x4000;
    /** {@code IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_FD} (Linux 5.19): every request on a descriptor. */
    static final int CANCEL_ALL_ON_FD = 1 | 1 << 1;

    private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

    private UringOps() {
    }

    /**
     * Whether this kernel has what the relay needs beyond what Netty's io_uring transport checks: cancelling every
     * request on a descriptor ({@link #CANCEL_ALL_ON_FD}, Linux 5.19), without which a pair that ends while a
     * request waits would keep its descriptors.
     */
    static boolean kernelSupported() {
        return kernelAtLeast(System.getProperty("os.version", ""), 5, 19);
    }

    /** Whether a {@code uname -r} release such as {@code 6.18.44-fc-v1272} is at least major.minor. */
    static boolean kernelAtLeast(String release, int major, int minor) {
        Matcher m = RELEASE.matcher(release);
        if (!m.find()) {
            return false;
        }
        int maj = Integer.parseInt(m.group(1));
        int min = Integer.parseInt(m.group(2));
        return maj > major || maj == major && min >= minor;
    }

    /** Accepts one connection; the kernel writes the peer's address at {@code sockaddr}, its length at {@code length}. */
    static IoUringIoOps accept(int fd, long sockaddr, long length, short data) {
        return new IoUringIoOps(OP_ACCEPT, (byte) 0, (short) 0, fd, length, sockaddr, 0, SOCK_NONBLOCK | SOCK_CLOEXEC,
                data, (short) 0, (short) 0, 0, 0L);
    }

    static IoUringIoOps connect(int fd, long sockaddr, int length, short data) {
        return new IoUringIoOps(OP_CONNECT, (byte) 0, (short) 0, fd, length, sockaddr, 0, 0, data, (short) 0, (short) 0,
                0, 0L);
    }

    static IoUringIoOps recv(int fd, long buffer, int length, short data) {
        return new IoUringIoOps(OP_RECV, (byte) 0, (short) 0, fd, 0L, buffer, length, 0, data, (short) 0, (short) 0, 0,
                0L);
    }

    static IoUringIoOps send(int fd, long buffer, int length, short data) {
        return new IoUringIoOps(OP_SEND, (byte) 0, (short) 0, fd, 0L, buffer, length, MSG_NOSIGNAL, data, (short) 0,
                (short) 0, 0, 0L);
    }

    /** Cancels every request still pending on {@code fd}; each completes with {@code -ECANCELED}. */
    static IoUringIoOps cancelAll(int fd, short data) {
        return new IoUringIoOps(OP_ASYNC_CANCEL, (byte) 0, (short) 0, fd, 0L, 0L, 0, CANCEL_ALL_ON_FD, data, (short) 0,
                (short) 0, 0, 0L);
    }

    static IoUringIoOps close(int fd, short data) {
        return new IoUringIoOps(OP_CLOSE, (byte) 0, (short) 0, fd, 0L, 0L, 0, 0, data, (short) 0, (short) 0, 0, 0L);
    }
}
