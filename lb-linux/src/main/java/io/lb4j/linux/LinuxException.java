package io.lb4j.linux;

import java.io.IOException;

/**
 * A failed Linux system call: says which call, on what, and why ({@code errno} by name and text), e.g.
 * {@code "setsockopt(PACKET_RX_RING) on eth0 failed: ENOMEM (Cannot allocate memory)"}.
 */
public final class LinuxException extends IOException {

    private static final long serialVersionUID = 1L;

    /** errno values callers test for. */
    public static final int EPERM = 1;
    public static final int EINTR = 4;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOBUFS = 105;
    public static final int EAFNOSUPPORT = 97;

    private final String call;
    private final int errno;

    /**
     * @param call  what was attempted, e.g. {@code "bind(AF_PACKET) to eth0"}
     * @param errno the C library's errno after the call
     */
    public LinuxException(String call, int errno) {
        super(call + " failed: " + name(errno) + " (" + Libc.strerror(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** What was attempted. */
    public String call() {
        return call;
    }

    /** The errno the call left. */
    public int errno() {
        return errno;
    }

    /** The symbolic name of an errno value, or {@code "errno N"}. */
    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case 2 -> "ENOENT";
            case EINTR -> "EINTR";
            case 9 -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case ENODEV -> "ENODEV";
            case EINVAL -> "EINVAL";
            case 24 -> "EMFILE";
            case 90 -> "EMSGSIZE";
            case 92 -> "ENOPROTOOPT";
            case 93 -> "EPROTONOSUPPORT";
            case 95 -> "EOPNOTSUPP";
            case EAFNOSUPPORT -> "EAFNOSUPPORT";
            case 100 -> "ENETDOWN";
            case 101 -> "ENETUNREACH";
            case 104 -> "ECONNRESET";
            case ENOBUFS -> "ENOBUFS";
            case 110 -> "ETIMEDOUT";
            case 111 -> "ECONNREFUSED";
            case 113 -> "EHOSTUNREACH";
            case 115 -> "EINPROGRESS";
            default -> "errno " + errno;
        };
    }
}
