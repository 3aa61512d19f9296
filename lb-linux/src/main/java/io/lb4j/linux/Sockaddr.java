package io.lb4j.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;

/**
 * Writes and reads {@code struct sockaddr_in} and {@code struct sockaddr_in6}, the one encoding of an IP socket address for the
 * system calls in this module: the family in the machine's order, the port in network order, the address as its
 * bytes. Stateless.
 */
final class Sockaddr {

    /** {@code sizeof(struct sockaddr_in)}. */
    static final int IN_SIZE = 16;
    /** {@code sizeof(struct sockaddr_in6)}, enough for either. */
    static final int IN6_SIZE = 28;
    static final int AF_INET6 = 10;

    private static final ValueLayout.OfShort NATIVE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort NETWORK_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NATIVE_INT =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private Sockaddr() {
    }

    /**
     * Writes {@code address} and {@code port} at the start of {@code into} (at least {@link #IN6_SIZE} bytes for an
     * IPv6 address) and answers the part that holds it, to pass with its length.
     *
     * @param scope an IPv6 address's {@code sin6_scope_id} (an interface index, or 0); unused for IPv4
     */
    static MemorySegment write(MemorySegment into, InetAddress address, int port, int scope) {
        if (address instanceof Inet4Address) {
            MemorySegment s = into.asSlice(0, IN_SIZE);
            s.fill((byte) 0);
            s.set(NATIVE_SHORT, 0, (short) Libc.AF_INET);
            s.set(NETWORK_SHORT, 2, (short) port);
            MemorySegment.copy(address.getAddress(), 0, s, ValueLayout.JAVA_BYTE, 4, 4);
            return s;
        }
        MemorySegment s = into.asSlice(0, IN6_SIZE);
        s.fill((byte) 0);
        s.set(NATIVE_SHORT, 0, (short) AF_INET6);
        s.set(NETWORK_SHORT, 2, (short) port);
        MemorySegment.copy(address.getAddress(), 0, s, ValueLayout.JAVA_BYTE, 8, 16);
        s.set(NATIVE_INT, 24, scope != 0 ? scope : ((Inet6Address) address).getScopeId());
        return s;
    }

    /** The port of the {@code sockaddr_in} or {@code sockaddr_in6} at the start of {@code from}. */
    static int port(MemorySegment from) {
        return Short.toUnsignedInt(from.get(NETWORK_SHORT, 2));
    }

    /**
     * The address in the {@code sockaddr_in} or {@code sockaddr_in6} at the start of {@code from}, as the kernel
     * wrote it (e.g. an accept's peer); an IPv4-mapped IPv6 address comes back as the IPv4 address.
     *
     * @throws IllegalArgumentException for another family
     */
    static InetSocketAddress read(MemorySegment from) {
        int family = from.get(NATIVE_SHORT, 0);
        byte[] bytes;
        if (family == Libc.AF_INET) {
            bytes = from.asSlice(4, 4).toArray(ValueLayout.JAVA_BYTE);
        } else if (family == AF_INET6) {
            bytes = from.asSlice(8, 16).toArray(ValueLayout.JAVA_BYTE);
        } else {
            throw new IllegalArgumentException("address family " + family + " (expected AF_INET or AF_INET6)");
        }
        try {
            InetAddress address = InetAddress.getByAddress(bytes);
            if (address instanceof Inet6Address && family == AF_INET6) {
                int scope = from.get(NATIVE_INT, 24);
                if (scope != 0) {
                    address = Inet6Address.getByAddress(null, bytes, scope);
                }
            }
            return new InetSocketAddress(address, port(from));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // not for 4 or 16 bytes
        }
    }
}
