package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * A reusable view of an Ethernet II header, optionally followed by up to two 802.1Q / 802.1ad tags.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                    Destination MAC (48 bits)                  |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+       Source MAC (48 bits)    +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  EtherType / TPID (0x8100)    |   [PCP|DEI|VLAN id] if tagged |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  inner EtherType if tagged    |  payload ...
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>{@link #wrap} reads the addresses and tags once and remembers where the payload starts;
 * {@link #etherType()} is the innermost EtherType. Forwarding keeps the tags: the frame leaves on the VLAN it arrived
 * on. Not thread-safe; one instance per packet-processing thread, reused for every frame, so nothing is allocated
 * per packet.
 */
final class EthernetFlyweight {

    static final int DESTINATION_OFFSET = 0;
    static final int SOURCE_OFFSET = 6;
    static final int TYPE_OFFSET = 12;
    static final int HEADER_LENGTH = 14;
    static final int VLAN_TAG_LENGTH = 4;

    static final int TYPE_IPV4 = 0x0800;
    static final int TYPE_ARP = 0x0806;
    static final int TYPE_IPV6 = 0x86DD;
    static final int TYPE_VLAN = 0x8100;
    static final int TYPE_QINQ = 0x88A8;

    /** The most tags {@link #wrap} looks through (802.1ad outer + 802.1Q inner). */
    static final int MAX_TAGS = 2;

    private MemorySegment segment;
    private long offset;
    private int etherType;
    private int headerLength;
    private long destination;
    private long source;

    /**
     * Points this view at a frame of {@code length} bytes and parses its tags.
     *
     * @return false (the view is unusable) when the frame is too short for its header and tags, or has more tags
     *         than {@link #MAX_TAGS}
     */
    boolean wrap(MemorySegment segment, long offset, int length) {
        this.segment = segment;
        this.offset = offset;
        if (length < HEADER_LENGTH) {
            return false;
        }
        // Three wide reads take the whole untagged header: every access costs a bounds and liveness check.
        long first = segment.get(Bytes.U64, offset);
        this.destination = first >>> 16;
        this.source = ((first & 0xFFFF) << 32) | (Bytes.i32(segment, offset + SOURCE_OFFSET + 2) & 0xFFFF_FFFFL);
        int type = Bytes.u16(segment, offset + TYPE_OFFSET);
        int header = HEADER_LENGTH;
        int tags = 0;
        while (type == TYPE_VLAN || type == TYPE_QINQ) {
            if (++tags > MAX_TAGS || length < header + VLAN_TAG_LENGTH) {
                return false;
            }
            type = Bytes.u16(segment, offset + header + 2);
            header += VLAN_TAG_LENGTH;
        }
        this.etherType = type;
        this.headerLength = header;
        return true;
    }

    /** The destination MAC, as read by {@link #wrap}. */
    long destination() {
        return destination;
    }

    void destination(long mac) {
        Bytes.mac(segment, offset + DESTINATION_OFFSET, mac);
        destination = mac;
    }

    /** The source MAC, as read by {@link #wrap}. */
    long source() {
        return source;
    }

    void source(long mac) {
        Bytes.mac(segment, offset + SOURCE_OFFSET, mac);
        source = mac;
    }

    /** The innermost EtherType (after any VLAN tags). */
    int etherType() {
        return etherType;
    }

    /** Bytes from the start of the frame to the payload: 14, 18 or 22. */
    int headerLength() {
        return headerLength;
    }

    /** Whether the destination is a group (broadcast or multicast) address. */
    static boolean isGroup(long mac) {
        return (mac & 0x0100_0000_0000L) != 0;
    }

    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
}
