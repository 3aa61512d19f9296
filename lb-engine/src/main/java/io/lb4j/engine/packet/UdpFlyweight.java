package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of a UDP header (RFC 768). A checksum of 0 means "none" over IPv4 and is kept as 0 by rewrites.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            Length             |           Checksum            |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Not thread-safe; reused for every frame.
 */
final class UdpFlyweight {

    static final int SOURCE_PORT_OFFSET = 0;
    static final int DESTINATION_PORT_OFFSET = 2;
    static final int LENGTH_OFFSET = 4;
    static final int CHECKSUM_OFFSET = 6;
    static final int HEADER_LENGTH = 8;

    private MemorySegment segment;
    private long offset;
    private int ports;        // source port << 16 | destination port, read once by wrap()

    /** @return false when truncated or the length field is below 8 or beyond what the IP header carries */
    boolean wrap(MemorySegment segment, long offset, int available) {
        this.segment = segment;
        this.offset = offset;
        if (available < HEADER_LENGTH) {
            return false;
        }
        ports = Bytes.i32(segment, offset);
        int length = Bytes.u16(segment, offset + LENGTH_OFFSET);
        return length >= HEADER_LENGTH && length <= available;
    }

    int sourcePort() {
        return ports >>> 16;
    }

    void sourcePort(int port) {
        Bytes.u16(segment, offset + SOURCE_PORT_OFFSET, port);
        ports = (ports & 0xFFFF) | (port << 16);
    }

    int destinationPort() {
        return ports & 0xFFFF;
    }

    void destinationPort(int port) {
        Bytes.u16(segment, offset + DESTINATION_PORT_OFFSET, port);
        ports = (ports & 0xFFFF_0000) | (port & 0xFFFF);
    }

    /** Both ports as one int, source port in the high half. */
    int ports() {
        return ports;
    }

    int length() {
        return Bytes.u16(segment, offset + LENGTH_OFFSET);
    }

    int checksum() {
        return Bytes.u16(segment, offset + CHECKSUM_OFFSET);
    }

    void checksum(int checksum) {
        Bytes.u16(segment, offset + CHECKSUM_OFFSET, checksum);
    }
}
