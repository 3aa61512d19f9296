package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of an ARP packet for IPv4 over Ethernet (RFC 826); other hardware or protocol types are not
 * valid for this view.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |   Hardware type (1)           |   Protocol type (0x0800)      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  HW len (6)   | Proto len (4) |   Operation (1 req, 2 reply)  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Sender hardware address (48)                 |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |  Sender protocol address      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  (cont.)                      |  Target hardware address      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Target protocol address                      |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Not thread-safe; reused for every frame.
 */
final class ArpFlyweight {

    static final int HARDWARE_TYPE_OFFSET = 0;
    static final int PROTOCOL_TYPE_OFFSET = 2;
    static final int HARDWARE_LENGTH_OFFSET = 4;
    static final int PROTOCOL_LENGTH_OFFSET = 5;
    static final int OPERATION_OFFSET = 6;
    static final int SENDER_MAC_OFFSET = 8;
    static final int SENDER_IP_OFFSET = 14;
    static final int TARGET_MAC_OFFSET = 18;
    static final int TARGET_IP_OFFSET = 24;
    static final int LENGTH = 28;

    static final int HARDWARE_ETHERNET = 1;
    static final int OPERATION_REQUEST = 1;
    static final int OPERATION_REPLY = 2;

    private MemorySegment segment;
    private long offset;

    /** @return false when fewer than {@link #LENGTH} bytes are left or it is not Ethernet/IPv4 ARP */
    boolean wrap(MemorySegment segment, long offset, int available) {
        this.segment = segment;
        this.offset = offset;
        return available >= LENGTH
                && Bytes.u16(segment, offset + HARDWARE_TYPE_OFFSET) == HARDWARE_ETHERNET
                && Bytes.u16(segment, offset + PROTOCOL_TYPE_OFFSET) == EthernetFlyweight.TYPE_IPV4
                && Bytes.u8(segment, offset + HARDWARE_LENGTH_OFFSET) == 6
                && Bytes.u8(segment, offset + PROTOCOL_LENGTH_OFFSET) == 4;
    }

    int operation() {
        return Bytes.u16(segment, offset + OPERATION_OFFSET);
    }

    long senderMac() {
        return Bytes.mac(segment, offset + SENDER_MAC_OFFSET);
    }

    int senderIp() {
        return Bytes.i32(segment, offset + SENDER_IP_OFFSET);
    }

    long targetMac() {
        return Bytes.mac(segment, offset + TARGET_MAC_OFFSET);
    }

    int targetIp() {
        return Bytes.i32(segment, offset + TARGET_IP_OFFSET);
    }

    /** Writes a whole Ethernet/IPv4 ARP packet at {@code offset}. */
    static void write(MemorySegment s, long offset, int operation, long senderMac, int senderIp, long targetMac,
                      int targetIp) {
        Bytes.u16(s, offset + HARDWARE_TYPE_OFFSET, HARDWARE_ETHERNET);
        Bytes.u16(s, offset + PROTOCOL_TYPE_OFFSET, EthernetFlyweight.TYPE_IPV4);
        Bytes.u8(s, offset + HARDWARE_LENGTH_OFFSET, 6);
        Bytes.u8(s, offset + PROTOCOL_LENGTH_OFFSET, 4);
        Bytes.u16(s, offset + OPERATION_OFFSET, operation);
        Bytes.mac(s, offset + SENDER_MAC_OFFSET, senderMac);
        Bytes.i32(s, offset + SENDER_IP_OFFSET, senderIp);
        Bytes.mac(s, offset + TARGET_MAC_OFFSET, targetMac);
        Bytes.i32(s, offset + TARGET_IP_OFFSET, targetIp);
    }
}
