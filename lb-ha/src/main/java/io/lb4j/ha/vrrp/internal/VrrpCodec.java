package io.lb4j.ha.vrrp.internal;

import io.lb4j.ha.vrrp.ChecksumMode;
import io.lb4j.ha.vrrp.DropReason;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes IPv4 VRRPv3 adverts (RFC 5798 section 5). Not on a hot path (one packet per advert interval),
 * so it works on byte arrays and allocates freely; it never throws on bad input: {@link #decode} returns the
 * {@link DropReason}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |(rsvd) |     Max Adver Int     |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IPv4 Address(es)                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * All fields big-endian; Max Adver Int in centiseconds (12 bits).
 */
public final class VrrpCodec {

    /** IP protocol number of VRRP. */
    public static final int PROTOCOL = 112;
    public static final int VERSION = 3;
    public static final int TYPE_ADVERTISEMENT = 1;
    public static final int HEADER_LENGTH = 8;
    /** The largest Max Adver Int the 12-bit field carries: 4095 centiseconds, 40.95 s. */
    public static final int MAX_INTERVAL_CENTIS = 4095;
    static final int VERSION_TYPE_OFFSET = 0;
    static final int VRID_OFFSET = 1;
    static final int PRIORITY_OFFSET = 2;
    static final int COUNT_OFFSET = 3;
    static final int INTERVAL_OFFSET = 4;
    static final int CHECKSUM_OFFSET = 6;
    static final int ADDRESSES_OFFSET = 8;

    private VrrpCodec() {
    }

    /** A decoded advert with the IP header fields the state machine needs. */
    public record Received(VrrpAdvert advert, Inet4Address source, Inet4Address destination, int ttl) {
    }

    /** The outcome of {@link #decode}: exactly one of {@code received} and {@code dropped} is non-null. */
    public record Decoded(Received received, DropReason dropped) {
        static Decoded drop(DropReason reason) {
            return new Decoded(null, reason);
        }
    }

    /** The VRRP message for {@code advert}, its checksum computed for {@code source} -> {@code destination}. */
    public static byte[] encode(VrrpAdvert advert, Inet4Address source, Inet4Address destination, ChecksumMode mode) {
        List<Inet4Address> addresses = advert.addresses();
        byte[] m = new byte[HEADER_LENGTH + 4 * addresses.size()];
        m[VERSION_TYPE_OFFSET] = (byte) (VERSION << 4 | TYPE_ADVERTISEMENT);
        m[VRID_OFFSET] = (byte) advert.vrid();
        m[PRIORITY_OFFSET] = (byte) advert.priority();
        m[COUNT_OFFSET] = (byte) addresses.size();
        m[INTERVAL_OFFSET] = (byte) (advert.maxAdvertIntervalCentis() >>> 8 & 0x0F); // 4 reserved bits stay 0
        m[INTERVAL_OFFSET + 1] = (byte) advert.maxAdvertIntervalCentis();
        for (int i = 0; i < addresses.size(); i++) {
            System.arraycopy(addresses.get(i).getAddress(), 0, m, ADDRESSES_OFFSET + 4 * i, 4);
        }
        int sum = checksum(m, 0, m.length, source, destination, mode);
        m[CHECKSUM_OFFSET] = (byte) (sum >>> 8);
        m[CHECKSUM_OFFSET + 1] = (byte) sum;
        return m;
    }

    /**
     * Decodes a whole IPv4 packet (header included, as a raw socket returns it). Checks everything that does not
     * depend on the receiving instance: IP header, protocol, version, type, lengths, interval and checksum; the
     * TTL is returned for the instance to check (it skips that check for unicast peers).
     */
    public static Decoded decode(byte[] packet, int length, ChecksumMode mode) {
        if (length < 20 || length > packet.length) {
            return Decoded.drop(DropReason.TRUNCATED);
        }
        int versionIhl = packet[0] & 0xFF;
        int ihl = (versionIhl & 0x0F) * 4;
        if (versionIhl >>> 4 != 4 || ihl < 20 || (packet[9] & 0xFF) != PROTOCOL) {
            return Decoded.drop(DropReason.NOT_VRRP);
        }
        int totalLength = u16(packet, 2);
        if (totalLength < ihl + HEADER_LENGTH || totalLength > length) {
            return Decoded.drop(DropReason.TRUNCATED);
        }
        int ttl = packet[8] & 0xFF;
        Inet4Address source = address(packet, 12);
        Inet4Address destination = address(packet, 16);
        int m = ihl;
        int vrrpLength = totalLength - ihl;
        int versionType = packet[m + VERSION_TYPE_OFFSET] & 0xFF;
        if (versionType >>> 4 != VERSION) {
            return Decoded.drop(DropReason.BAD_VERSION);
        }
        if ((versionType & 0x0F) != TYPE_ADVERTISEMENT) {
            return Decoded.drop(DropReason.BAD_TYPE);
        }
        int count = packet[m + COUNT_OFFSET] & 0xFF;
        if (vrrpLength < HEADER_LENGTH + 4 * count) {
            return Decoded.drop(DropReason.TRUNCATED);
        }
        // Trailing bytes beyond the addresses are allowed (VRRPv2-style auth data some peers append) but covered by
        // the checksum the sender computed over its whole message.
        if (checksum(packet, m, vrrpLength, source, destination, mode) != 0) {
            return Decoded.drop(DropReason.BAD_CHECKSUM);
        }
        int interval = u16(packet, m + INTERVAL_OFFSET) & 0x0FFF;
        if (interval == 0 || count == 0) {
            return Decoded.drop(DropReason.MALFORMED);
        }
        List<Inet4Address> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            addresses.add(address(packet, m + ADDRESSES_OFFSET + 4 * i));
        }
        VrrpAdvert advert = new VrrpAdvert(packet[m + VRID_OFFSET] & 0xFF, packet[m + PRIORITY_OFFSET] & 0xFF,
                interval, addresses);
        return new Decoded(new Received(advert, source, destination, ttl), null);
    }

    /**
     * The Internet checksum of {@code length} bytes at {@code offset}, preceded by the IPv4 pseudo-header when
     * {@code mode} says so. Over a message whose checksum field is filled in, a correct checksum yields 0.
     */
    static int checksum(byte[] b, int offset, int length, Inet4Address source, Inet4Address destination,
                        ChecksumMode mode) {
        long sum = 0;
        if (mode == ChecksumMode.WITH_PSEUDO_HEADER) {
            byte[] s = source.getAddress();
            byte[] d = destination.getAddress();
            sum += u16(s, 0) + u16(s, 2) + u16(d, 0) + u16(d, 2) + PROTOCOL + length;
        }
        int end = offset + length;
        int i = offset;
        for (; i + 1 < end; i += 2) {
            sum += u16(b, i);
        }
        if (i < end) {
            sum += (b[i] & 0xFF) << 8;
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) ~sum & 0xFFFF;
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF;
    }

    private static Inet4Address address(byte[] b, int offset) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[]{b[offset], b[offset + 1], b[offset + 2],
                    b[offset + 3]});
        } catch (UnknownHostException impossible) {
            throw new AssertionError(impossible); // 4 bytes are always a valid IPv4 address
        }
    }
}
