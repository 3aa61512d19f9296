package io.lb4j.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code struct virtio_net_hdr} ({@code <linux/virtio_net.h>}), the offload metadata an AF_PACKET socket with
 * {@code PACKET_VNET_HDR} puts before every received frame and expects before every frame it sends: whether the
 * transport checksum is still to be completed ({@link #NEEDS_CSUM}, with where it starts and where it is stored) and,
 * for a super-frame (GRO/LRO on receive, TSO/GSO of a local sender), its segmentation type and segment size. A frame
 * sent with the header it arrived with keeps its offloads: the kernel, or the next NIC, segments it and completes the
 * checksum.
 *
 * <p>Static accessors over the 10 bytes where they lie (a ring, a buffer); the fields are in host byte order, as
 * the kernel writes them for packet sockets on little-endian hosts ({@code vio_le()}).
 */
public final class VirtioNetHeader {

    /** The header's size in bytes. */
    public static final int LENGTH = 10;

    /** {@code flags}: the transport checksum holds only the pseudo-header sum; complete it from csum_start. */
    public static final int NEEDS_CSUM = 1;
    /** {@code flags}: the checksum was verified on receive. */
    public static final int DATA_VALID = 2;

    /** {@code gso_type}: not a super-frame. */
    public static final int GSO_NONE = 0;
    /** {@code gso_type}: TCP over IPv4 super-frame. */
    public static final int GSO_TCPV4 = 1;
    /** {@code gso_type}: UDP fragmentation offload (obsolete). */
    public static final int GSO_UDP = 3;
    /** {@code gso_type}: TCP over IPv6 super-frame. */
    public static final int GSO_TCPV6 = 4;
    /** {@code gso_type}: UDP segmentation offload. */
    public static final int GSO_UDP_L4 = 5;
    /** {@code gso_type} bit: the super-frame carries ECN's CWR. */
    public static final int GSO_ECN = 0x80;

    private static final int FLAGS = 0;
    private static final int GSO_TYPE = 1;
    private static final int HDR_LEN = 2;
    private static final int GSO_SIZE = 4;
    private static final int CSUM_START = 6;
    private static final int CSUM_OFFSET = 8;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private VirtioNetHeader() {
    }

    public static int flags(MemorySegment s, long header) {
        return s.get(ValueLayout.JAVA_BYTE, header + FLAGS) & 0xFF;
    }

    /** The segmentation type with the {@link #GSO_ECN} bit cleared. */
    public static int gsoType(MemorySegment s, long header) {
        return s.get(ValueLayout.JAVA_BYTE, header + GSO_TYPE) & 0x7F;
    }

    public static int gsoSize(MemorySegment s, long header) {
        return s.get(U16, header + GSO_SIZE) & 0xFFFF;
    }

    public static int headerLength(MemorySegment s, long header) {
        return s.get(U16, header + HDR_LEN) & 0xFFFF;
    }

    public static int checksumStart(MemorySegment s, long header) {
        return s.get(U16, header + CSUM_START) & 0xFFFF;
    }

    public static int checksumOffset(MemorySegment s, long header) {
        return s.get(U16, header + CSUM_OFFSET) & 0xFFFF;
    }

    /** Copies a header unchanged: a frame forwarded as it arrived keeps its offloads. */
    public static void copy(MemorySegment from, long fromHeader, MemorySegment to, long toHeader) {
        to.set(ValueLayout.JAVA_LONG_UNALIGNED, toHeader, from.get(ValueLayout.JAVA_LONG_UNALIGNED, fromHeader));
        to.set(U16, toHeader + 8, from.get(U16, fromHeader + 8));
    }

    /** Writes a header that asks for nothing: a plain frame, checksums complete. */
    public static void clear(MemorySegment s, long header) {
        s.set(ValueLayout.JAVA_LONG_UNALIGNED, header, 0L);
        s.set(U16, header + 8, (short) 0);
    }

    /** Writes a header; see the field constants. */
    public static void write(MemorySegment s, long header, int flags, int gsoType, int headerLength, int gsoSize,
                             int checksumStart, int checksumOffset) {
        s.set(ValueLayout.JAVA_BYTE, header + FLAGS, (byte) flags);
        s.set(ValueLayout.JAVA_BYTE, header + GSO_TYPE, (byte) gsoType);
        s.set(U16, header + HDR_LEN, (short) headerLength);
        s.set(U16, header + GSO_SIZE, (short) gsoSize);
        s.set(U16, header + CSUM_START, (short) checksumStart);
        s.set(U16, header + CSUM_OFFSET, (short) checksumOffset);
    }
}
