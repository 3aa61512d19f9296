package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of an IPv4 header (RFC 791), options included.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |Version|  IHL  |    DSCP/ECN   |          Total Length         |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |         Identification        |Flags|     Fragment Offset     |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                       Source Address                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination Address                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (IHL &gt; 5)    ...                  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>{@link #wrap} validates what the packet path relies on: version 4, IHL of 5-15 words within the frame, a
 * total length that covers the header and fits in the frame (Ethernet padding after it is allowed). Addresses are
 * ints with the wire's bit order. Not thread-safe; reused for every frame.
 */
final class Ipv4Flyweight {

    static final int VERSION_IHL_OFFSET = 0;
    static final int TOS_OFFSET = 1;
    static final int TOTAL_LENGTH_OFFSET = 2;
    static final int IDENTIFICATION_OFFSET = 4;
    static final int FLAGS_FRAGMENT_OFFSET = 6;
    static final int TTL_OFFSET = 8;
    static final int PROTOCOL_OFFSET = 9;
    static final int CHECKSUM_OFFSET = 10;
    static final int SOURCE_OFFSET = 12;
    static final int DESTINATION_OFFSET = 16;
    static final int MIN_HEADER_LENGTH = 20;

    static final int PROTOCOL_TCP = 6;
    static final int PROTOCOL_UDP = 17;

    static final int FLAG_MORE_FRAGMENTS = 0x2000;
    static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    /** Why {@link #wrap} rejected a header; {@link #OK} when it did not. */
    static final int OK = 0;
    static final int TRUNCATED = 1;
    static final int BAD_VERSION = 2;
    static final int BAD_IHL = 3;
    static final int BAD_TOTAL_LENGTH = 4;

    private MemorySegment segment;
    private long offset;
    private int headerLength;
    private int totalLength;
    // The fixed header as five big-endian words, read once by wrap(): each memory access costs a bounds and a
    // liveness check, so the packet path reads wide and extracts fields with shifts.
    private int word0;
    private int word1;
    private int word2;
    private int source;
    private int destination;

    /**
     * Points the view at an IPv4 header with {@code available} bytes left in the frame.
     *
     * @return {@link #OK} or the reason it is malformed
     */
    int wrap(MemorySegment segment, long offset, int available) {
        this.segment = segment;
        this.offset = offset;
        if (available < MIN_HEADER_LENGTH) {
            return TRUNCATED;
        }
        word0 = Bytes.i32(segment, offset);
        word1 = Bytes.i32(segment, offset + IDENTIFICATION_OFFSET);
        word2 = Bytes.i32(segment, offset + TTL_OFFSET);
        source = Bytes.i32(segment, offset + SOURCE_OFFSET);
        destination = Bytes.i32(segment, offset + DESTINATION_OFFSET);
        int versionIhl = word0 >>> 24;
        if (versionIhl >>> 4 != 4) {
            return BAD_VERSION;
        }
        int ihl = (versionIhl & 0x0F) * 4;
        if (ihl < MIN_HEADER_LENGTH) {
            return BAD_IHL;
        }
        if (ihl > available) {
            return TRUNCATED;
        }
        int total = word0 & 0xFFFF;
        if (total < ihl || total > available) {
            return BAD_TOTAL_LENGTH;
        }
        this.headerLength = ihl;
        this.totalLength = total;
        return OK;
    }

    /** Header length in bytes, options included (20-60). */
    int headerLength() {
        return headerLength;
    }

    int totalLength() {
        return totalLength;
    }

    int ttl() {
        return word2 >>> 24;
    }

    void ttl(int ttl) {
        Bytes.u8(segment, offset + TTL_OFFSET, ttl);
        word2 = (word2 & 0x00FF_FFFF) | (ttl << 24);
    }

    int protocol() {
        return (word2 >>> 16) & 0xFF;
    }

    int checksum() {
        return word2 & 0xFFFF;
    }

    void checksum(int checksum) {
        Bytes.u16(segment, offset + CHECKSUM_OFFSET, checksum);
        word2 = (word2 & 0xFFFF_0000) | (checksum & 0xFFFF);
    }

    int source() {
        return source;
    }

    void source(int address) {
        Bytes.i32(segment, offset + SOURCE_OFFSET, address);
        source = address;
    }

    int destination() {
        return destination;
    }

    void destination(int address) {
        Bytes.i32(segment, offset + DESTINATION_OFFSET, address);
        destination = address;
    }

    /** Whether this is any fragment of a fragmented datagram (more fragments follow, or a non-zero offset). */
    boolean isFragment() {
        return (word1 & (FLAG_MORE_FRAGMENTS | FRAGMENT_OFFSET_MASK)) != 0;
    }

    /** Whether the header checksum verifies (the one's-complement sum over the header is all ones). */
    boolean checksumValid() {
        long sum = (word0 >>> 16) + (word0 & 0xFFFF) + (word1 >>> 16) + (word1 & 0xFFFF) + (word2 >>> 16)
                + (word2 & 0xFFFF) + (source >>> 16) + (source & 0xFFFF) + (destination >>> 16)
                + (destination & 0xFFFF);
        if (headerLength > MIN_HEADER_LENGTH) { // options: sum them from memory
            sum = Checksums.sum(segment, offset + MIN_HEADER_LENGTH, headerLength - MIN_HEADER_LENGTH, sum);
        }
        return Checksums.fold(sum) == 0xFFFF;
    }

    /** Offset of the payload (the transport header) from the start of the segment. */
    long payloadOffset() {
        return offset + headerLength;
    }

    int payloadLength() {
        return totalLength - headerLength;
    }

    long offset() {
        return offset;
    }
}
