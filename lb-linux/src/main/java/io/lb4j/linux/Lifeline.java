package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A network interface that exists exactly as long as this process holds it open: a TUN device without
 * {@code TUNSETPERSIST}, set up, which the kernel deletes when its file descriptor closes, however the process ends
 * (SIGKILL, a crash, the OOM killer). Something outside the process that follows interfaces (a routing daemon's route
 * {@code via "lb4j0"}) then sees the process's death within the time it takes the kernel to tell it.
 *
 * <p>Needs CAP_NET_ADMIN and {@code /dev/net/tun}. Closing it deletes the interface; closing twice is harmless.
 */
public final class Lifeline implements AutoCloseable {

    private static final String TUN = "/dev/net/tun";
    private static final int O_RDWR = 2;
    private static final long TUNSETIFF = 0x400454caL;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_UP = 1;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;

    private final String name;
    private int fd;

    private Lifeline(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /**
     * Creates interface {@code name} in the calling thread's network namespace and sets it up.
     *
     * @throws LinuxException when the device cannot be created (EBUSY: another process holds that name; EPERM:
     *                        no CAP_NET_ADMIN; ENOENT: no {@code /dev/net/tun})
     * @throws IllegalArgumentException when the name is empty or longer than 15 bytes
     */
    public static Lifeline open(String name) throws LinuxException {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name: \"" + name + "\" (expected: 1-15 characters)");
        }
        int fd = Libc.open(TUN, O_RDWR | Libc.O_CLOEXEC, "open(" + TUN + ")");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
            ifreq.fill((byte) 0);
            MemorySegment.copy(bytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, bytes.length);
            ifreq.set(ValueLayout.JAVA_SHORT, IFNAMSIZ, (short) (IFF_TUN | IFF_NO_PI));
            Libc.ioctl(fd, TUNSETIFF, ifreq, "ioctl(TUNSETIFF) for " + name);
            int socket = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0,
                    "socket(AF_INET) for ioctl");
            try {
                Libc.ioctl(socket, SIOCGIFFLAGS, ifreq, "ioctl(SIOCGIFFLAGS) on " + name);
                short flags = ifreq.get(ValueLayout.JAVA_SHORT, IFNAMSIZ);
                ifreq.set(ValueLayout.JAVA_SHORT, IFNAMSIZ, (short) (flags | IFF_UP));
                Libc.ioctl(socket, SIOCSIFFLAGS, ifreq, "ioctl(SIOCSIFFLAGS) on " + name);
            } finally {
                Libc.close(socket, "close(AF_INET ioctl socket)");
            }
            return new Lifeline(name, fd);
        } catch (LinuxException | RuntimeException e) {
            try {
                Libc.close(fd, "close(" + TUN + ")");
            } catch (LinuxException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The interface's name. */
    public String name() {
        return name;
    }

    /** Deletes the interface. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            try {
                Libc.close(fd, "close(" + TUN + ") of " + name);
            } catch (LinuxException e) {
                // The descriptor is gone either way; the kernel deletes the device with its last reference.
            }
            fd = -1;
        }
    }

    @Override
    public String toString() {
        return "Lifeline[" + name + "]";
    }
}
