package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of a TCP header (RFC 9293).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          Source Port          |       Destination Port        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                        Sequence Number                        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Acknowledgment Number                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  | Offset| Rsrvd |C|E|U|A|P|R|S|F|            Window             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |           Checksum            |         Urgent Pointer        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Options (offset &gt; 5) ...                   |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Not thread-safe; reused for every frame.
 */
final class TcpFlyweight {

    static final int SOURCE_PORT_OFFSET = 0;
    static final int DESTINATION_PORT_OFFSET = 2;
    static final int SEQUENCE_OFFSET = 4;
    static final int ACKNOWLEDGMENT_OFFSET = 8;
    static final int DATA_OFFSET_OFFSET = 12;
    static final int FLAGS_OFFSET = 13;
    static final int WINDOW_OFFSET = 14;
    static final int CHECKSUM_OFFSET = 16;
    static final int URGENT_OFFSET = 18;
    static final int MIN_HEADER_LENGTH = 20;

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int CWR = 0x80;

    private MemorySegment segment;
    private long offset;
    private int ports;       // the first word: source port << 16 | destination port
    private int offsetFlags; // the fourth word: data offset, flags, window

    /** @return false when the segment is shorter than its data offset says, or the data offset is below 5 */
    boolean wrap(MemorySegment segment, long offset, int available) {
        this.segment = segment;
        this.offset = offset;
        if (available < MIN_HEADER_LENGTH) {
            return false;
        }
        ports = Bytes.i32(segment, offset);
        offsetFlags = Bytes.i32(segment, offset + DATA_OFFSET_OFFSET);
        int headerLength = (offsetFlags >>> 28) * 4;
        return headerLength >= MIN_HEADER_LENGTH && headerLength <= available;
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

    /** Both ports as one int, source port in the high half: the flow table's key form. */
    int ports() {
        return ports;
    }

    /** The flag bits (FIN, SYN, RST, PSH, ACK, ...). */
    int flags() {
        return (offsetFlags >>> 16) & 0xFF;
    }

    int checksum() {
        return Bytes.u16(segment, offset + CHECKSUM_OFFSET);
    }

    void checksum(int checksum) {
        Bytes.u16(segment, offset + CHECKSUM_OFFSET, checksum);
    }
}
