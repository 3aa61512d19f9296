package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * What the kernel says about one network interface, read with {@code ioctl}s on a socket of the calling thread: so
 * it describes the interface in the calling thread's network namespace (which {@link java.net.NetworkInterface},
 * reading {@code /proc/net} of the process, does not after {@link Libc#setns}), and it works for an interface
 * without any IP address.
 *
 * @param name  the interface name, e.g. {@code eth0}
 * @param index the interface index ({@code SIOCGIFINDEX})
 * @param mac   the hardware address, first octet most significant, in the low 48 bits ({@code SIOCGIFHWADDR})
 * @param mtu   the MTU in bytes ({@code SIOCGIFMTU})
 * @param up    whether the interface is administratively up ({@code IFF_UP})
 * @param ipv4  the primary IPv4 address as a big-endian int, or 0 when it has none ({@code SIOCGIFADDR})
 */
public record Link(String name, int index, long mac, int mtu, boolean up, int ipv4) {

    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCGIFADDR = 0x8915;
    private static final long SIOCGIFMTU = 0x8921;
    private static final long SIOCGIFHWADDR = 0x8927;
    private static final long SIOCGIFINDEX = 0x8933;
    private static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    private static final int IFF_UP = 1;
    private static final int IFF_RUNNING = 0x40;
    private static final int EADDRNOTAVAIL = 99;

    /**
     * Reads the interface {@code name} of the calling thread's network namespace.
     *
     * @throws LinuxException ENODEV when there is no such interface (the message names it)
     * @throws IllegalArgumentException when the name is empty or longer than 15 bytes
     */
    public static Link of(String name) throws LinuxException {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name: \"" + name + "\" (expected: 1-15 characters)");
        }
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0, "socket(AF_INET) for ioctl");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
            String on = " on " + name;
            ifreq.fill((byte) 0);
            MemorySegment.copy(bytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Libc.ioctl(fd, SIOCGIFINDEX, ifreq, "ioctl(SIOCGIFINDEX)" + on);
            int index = ifreq.get(ValueLayout.JAVA_INT, IFNAMSIZ);
            Libc.ioctl(fd, SIOCGIFHWADDR, ifreq, "ioctl(SIOCGIFHWADDR)" + on);
            long mac = 0;
            for (int i = 0; i < 6; i++) {
                mac = (mac << 8) | (ifreq.get(ValueLayout.JAVA_BYTE, IFNAMSIZ + 2 + i) & 0xFF);
            }
            Libc.ioctl(fd, SIOCGIFMTU, ifreq, "ioctl(SIOCGIFMTU)" + on);
            int mtu = ifreq.get(ValueLayout.JAVA_INT, IFNAMSIZ);
            Libc.ioctl(fd, SIOCGIFFLAGS, ifreq, "ioctl(SIOCGIFFLAGS)" + on);
            boolean up = (ifreq.get(ValueLayout.JAVA_SHORT, IFNAMSIZ) & IFF_UP) != 0;
            int ipv4 = 0;
            try {
                Libc.ioctl(fd, SIOCGIFADDR, ifreq, "ioctl(SIOCGIFADDR)" + on);
                ipv4 = ifreq.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), IFNAMSIZ + 4);
            } catch (LinuxException e) {
                if (e.errno() != EADDRNOTAVAIL) {
                    throw e;
                }
            }
            return new Link(name, index, mac, mtu, up, ipv4);
        } finally {
            Libc.close(fd, "close(AF_INET ioctl socket)");
        }
    }

    /**
     * Whether the interface {@code name} can carry traffic now: administratively up and with carrier
     * ({@code IFF_UP} and {@code IFF_RUNNING}, what keepalived watches for its FAULT state). False when there is no
     * such interface. One {@code ioctl}; no allocation beyond a confined arena.
     */
    public static boolean operational(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name: \"" + name + "\" (expected: 1-15 characters)");
        }
        try {
            int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0, "socket(AF_INET) for ioctl");
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
                MemorySegment.copy(bytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, bytes.length);
                Libc.ioctl(fd, SIOCGIFFLAGS, ifreq, "ioctl(SIOCGIFFLAGS) on " + name);
                short flags = ifreq.get(ValueLayout.JAVA_SHORT, IFNAMSIZ);
                return (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;
            } finally {
                Libc.close(fd, "close(AF_INET ioctl socket)");
            }
        } catch (LinuxException e) {
            return false; // ENODEV: the interface is gone, which is as down as it gets
        }
    }
}
