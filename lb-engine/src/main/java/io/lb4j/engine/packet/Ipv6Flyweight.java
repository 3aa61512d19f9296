package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of an IPv6 header (RFC 8200) and the extension headers between it and the upper-layer header.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version| Traffic Class |           Flow Label                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Source Address (128 bits)                    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |               Destination Address (128 bits)                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | Next Header   |  Hdr Ext Len  |  (hop-by-hop, routing, destination options: (Hdr Ext Len + 1) * 8 bytes)
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+- ...
 * </pre>
 *
 * <p>{@link #wrap} validates what the packet path relies on: version 6, a payload length within the frame
 * (Ethernet padding after it is allowed), and a chain of at most {@value #MAX_EXTENSION_HEADERS} hop-by-hop, routing
 * and destination-options headers, each inside the payload, that ends in an upper-layer protocol. It stops with a
 * reason instead: a fragment header (later fragments carry no ports), AH or ESP (the ports are behind the
 * authentication or encrypted), a routing header with segments left (the VIP is not the packet's final destination), another extension header RFC 7045 lists (mobility, HIP, shim6, experimental), or a
 * chain longer than the bound (a frame of nothing but 8-byte headers would otherwise cost a walk of its whole
 * length). Anything else after the chain is the upper-layer protocol: TCP, UDP, ICMPv6 or one the path leaves to the
 * host. Addresses are read as two big-endian longs each. Not thread-safe; reused for every frame.
 */
final class Ipv6Flyweight {

    static final int VERSION_OFFSET = 0;
    static final int PAYLOAD_LENGTH_OFFSET = 4;
    static final int NEXT_HEADER_OFFSET = 6;
    static final int HOP_LIMIT_OFFSET = 7;
    static final int SOURCE_OFFSET = 8;
    static final int DESTINATION_OFFSET = 24;
    static final int HEADER_LENGTH = 40;

    static final int HOP_BY_HOP = 0;
    static final int PROTOCOL_TCP = 6;
    static final int PROTOCOL_UDP = 17;
    static final int ROUTING = 43;
    static final int FRAGMENT = 44;
    static final int ESP = 50;
    static final int AH = 51;
    static final int PROTOCOL_ICMPV6 = 58;
    static final int NO_NEXT_HEADER = 59;
    static final int DESTINATION_OPTIONS = 60;

    /** The longest chain of extension headers walked; real traffic carries zero to two. */
    static final int MAX_EXTENSION_HEADERS = 8;

    /** Why {@link #wrap} stopped; {@link #OK} when it found the upper-layer header. */
    static final int OK = 0;
    static final int TRUNCATED = 1;
    static final int BAD_VERSION = 2;
    static final int BAD_PAYLOAD_LENGTH = 3;
    /** An extension header runs past the payload. */
    static final int BAD_EXTENSION_LENGTH = 4;
    /** A fragment header: dropped as IPv4 fragments are. */
    static final int FRAGMENTED = 5;
    /** AH, ESP or another extension header the path does not walk. */
    static final int UNSUPPORTED_EXTENSION = 6;
    /** More than {@link #MAX_EXTENSION_HEADERS} extension headers. */
    static final int TOO_MANY_EXTENSIONS = 7;

    private MemorySegment segment;
    private long offset;
    private int payloadLength;
    private int protocol;
    private int headersLength;

    /**
     * Points the view at an IPv6 packet with {@code available} bytes left in the frame and walks its extension
     * headers.
     *
     * @param embedded whether this is the copy of a packet inside an ICMPv6 error, which carries only as much of the
     *                 original as fits: its payload length is then not held against {@code available}, and the walk
     *                 stops at the end of what is there
     * @return {@link #OK} or why the packet cannot be forwarded
     */
    int wrap(MemorySegment segment, long offset, int available, boolean embedded) {
        this.segment = segment;
        this.offset = offset;
        if (available < HEADER_LENGTH) {
            return TRUNCATED;
        }
        long word0 = Bytes.u64(segment, offset);
        if ((word0 >>> 60) != 6) {
            return BAD_VERSION;
        }
        int length = (int) (word0 >>> 16) & 0xFFFF;
        if (!embedded && length > available - HEADER_LENGTH) {
            return BAD_PAYLOAD_LENGTH;
        }
        int end = HEADER_LENGTH + (embedded ? Math.min(length, available - HEADER_LENGTH) : length);
        int next = (int) (word0 >>> 8) & 0xFF;
        int at = HEADER_LENGTH;
        for (int k = 0; ; k++) {
            switch (next) {
                case HOP_BY_HOP, ROUTING, DESTINATION_OPTIONS -> {
                    if (k == MAX_EXTENSION_HEADERS) {
                        return TOO_MANY_EXTENSIONS;
                    }
                    if (at + 8 > end) {
                        return BAD_EXTENSION_LENGTH;
                    }
                    int size = (Bytes.u8(segment, offset + at + 1) + 1) * 8;
                    if (at + size > end) {
                        return BAD_EXTENSION_LENGTH;
                    }
                    if (next == ROUTING && Bytes.u8(segment, offset + at + 3) != 0) {
                        // Segments left: the destination is not the final one, nor the checksum's pseudo-header's.
                        return UNSUPPORTED_EXTENSION;
                    }
                    next = Bytes.u8(segment, offset + at);
                    at += size;
                }
                case FRAGMENT -> {
                    return FRAGMENTED;
                }
                case ESP, AH, 135, 139, 140, 253, 254 -> { // RFC 7045's other extension headers
                    return UNSUPPORTED_EXTENSION;
                }
                default -> {
                    this.payloadLength = length;
                    this.protocol = next;
                    this.headersLength = at;
                    return OK;
                }
            }
        }
    }

    /** The payload length field: extension headers and upper-layer data. */
    int payloadLength() {
        return payloadLength;
    }

    /** The upper-layer protocol after the extension headers (valid after {@link #OK}). */
    int protocol() {
        return protocol;
    }

    /** The fixed header and the extension headers, in bytes: where the upper-layer header starts. */
    int headersLength() {
        return headersLength;
    }

    /** Offset of the upper-layer header from the start of the segment. */
    long transportOffset() {
        return offset + headersLength;
    }

    /** The upper-layer header and data, in bytes (for an embedded packet: as the payload length says). */
    int transportLength() {
        return HEADER_LENGTH + payloadLength - headersLength;
    }

    int hopLimit() {
        return Bytes.u8(segment, offset + HOP_LIMIT_OFFSET);
    }

    /** The upper or lower 64 bits of the source address, big-endian. */
    long source(boolean high) {
        return Bytes.u64(segment, offset + SOURCE_OFFSET + (high ? 0 : 8));
    }

    long destination(boolean high) {
        return Bytes.u64(segment, offset + DESTINATION_OFFSET + (high ? 0 : 8));
    }

    long offset() {
        return offset;
    }
}
