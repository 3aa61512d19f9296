package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of the fixed IPv6 header (RFC 8200). The packet path parses IPv6 to count it and to drop it
 * cleanly; it does not forward IPv6 yet (no NDP), so extension headers are not walked.
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
 * </pre>
 *
 * Not thread-safe; reused for every frame.
 */
final class Ipv6Flyweight {

    static final int VERSION_OFFSET = 0;
    static final int PAYLOAD_LENGTH_OFFSET = 4;
    static final int NEXT_HEADER_OFFSET = 6;
    static final int HOP_LIMIT_OFFSET = 7;
    static final int SOURCE_OFFSET = 8;
    static final int DESTINATION_OFFSET = 24;
    static final int HEADER_LENGTH = 40;

    private MemorySegment segment;
    private long offset;

    /** @return false when truncated, not version 6, or the payload length runs past the frame */
    boolean wrap(MemorySegment segment, long offset, int available) {
        this.segment = segment;
        this.offset = offset;
        return available >= HEADER_LENGTH
                && Bytes.u8(segment, offset + VERSION_OFFSET) >>> 4 == 6
                && Bytes.u16(segment, offset + PAYLOAD_LENGTH_OFFSET) <= available - HEADER_LENGTH;
    }

    int payloadLength() {
        return Bytes.u16(segment, offset + PAYLOAD_LENGTH_OFFSET);
    }

    int nextHeader() {
        return Bytes.u8(segment, offset + NEXT_HEADER_OFFSET);
    }

    int hopLimit() {
        return Bytes.u8(segment, offset + HOP_LIMIT_OFFSET);
    }

    /** The upper or lower 64 bits of the source address, big-endian. */
    long source(boolean high) {
        return segment.get(Bytes.U64, offset + SOURCE_OFFSET + (high ? 0 : 8));
    }

    long destination(boolean high) {
        return segment.get(Bytes.U64, offset + DESTINATION_OFFSET + (high ? 0 : 8));
    }
}
