package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Network-order (big-endian) accessors over a {@link MemorySegment}, shared by the flyweights. Every value is read
 * through an unaligned big-endian layout, so the host's byte order never leaks into a header field, and unsigned
 * wire fields are widened with masks into the next larger Java type.
 */
final class Bytes {

    static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Bytes() {
    }

    static int u8(MemorySegment s, long offset) {
        return s.get(U8, offset) & 0xFF;
    }

    static void u8(MemorySegment s, long offset, int value) {
        s.set(U8, offset, (byte) value);
    }

    static int u16(MemorySegment s, long offset) {
        return s.get(U16, offset) & 0xFFFF;
    }

    static void u16(MemorySegment s, long offset, int value) {
        s.set(U16, offset, (short) value);
    }

    /** A 32-bit field as the int with the same bits (IPv4 addresses are compared and hashed as ints). */
    static int i32(MemorySegment s, long offset) {
        return s.get(U32, offset);
    }

    static void i32(MemorySegment s, long offset, int value) {
        s.set(U32, offset, value);
    }

    /** A 48-bit MAC address in the low bits of a long, first octet most significant. */
    static long mac(MemorySegment s, long offset) {
        return ((long) u16(s, offset) << 32) | (i32(s, offset + 2) & 0xFFFF_FFFFL);
    }

    static void mac(MemorySegment s, long offset, long mac) {
        u16(s, offset, (int) (mac >>> 32));
        i32(s, offset + 2, (int) mac);
    }

    /** Zeroes {@code length} bytes without the slice object that {@code asSlice(..).fill(..)} would create. */
    static void zero(MemorySegment s, long offset, int length) {
        for (int i = 0; i < length; i++) {
            s.set(U8, offset + i, (byte) 0);
        }
    }

    /** "aa:bb:cc:dd:ee:ff" for logs and messages; never on the packet path. */
    static String macToString(long mac) {
        StringBuilder b = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) (mac >>> shift) & 0xFF;
            if (shift != 40) {
                b.append(':');
            }
            b.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
        }
        return b.toString();
    }

    /** "a.b.c.d" for logs and messages; never on the packet path. */
    static String ipv4ToString(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    /** The text of an IPv6 address given as its two big-endian halves (Java's uncompressed form); never on the packet path. */
    static String ipv6ToString(long high, long low) {
        byte[] a = java.nio.ByteBuffer.allocate(16).putLong(high).putLong(low).array();
        try {
            return java.net.InetAddress.getByAddress(a).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // 16 bytes are always an address
        }
    }

    static long u64(MemorySegment s, long offset) {
        return s.get(U64, offset);
    }

    static void u64(MemorySegment s, long offset, long value) {
        s.set(U64, offset, value);
    }
}
