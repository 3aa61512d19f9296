package io.lb4j.ha.vrrp.internal;

import io.lb4j.api.internal.Addresses;
import io.lb4j.ha.vrrp.ChecksumMode;
import io.lb4j.ha.vrrp.DropReason;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes and decodes VRRPv3 adverts over IPv4 and IPv6 (RFC 5798 section 5). Not on a hot path (one packet per
 * advert interval), so it works on byte arrays and allocates freely; it never throws on bad input: {@link #decode}
 * returns the {@link DropReason}. The family of a packet is its IP version; an IPv4 advert carries 4-byte addresses,
 * an IPv6 advert 16-byte ones, and an IPv6 advert's checksum always covers the IPv6 pseudo-header (RFC 5798 5.2.8;
 * {@link ChecksumMode} chooses for IPv4 only).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |(rsvd) |     Max Adver Int     |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  IPv4 or IPv6 Address(es)                     |
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
    /** An IPv6 header without extension headers: what a VRRP advert has (RFC 5798 5.1.2). */
    static final int IPV6_HEADER_LENGTH = 40;
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

    /**
     * A decoded advert with the IP header fields the state machine needs.
     *
     * @param ttl the IPv4 TTL or the IPv6 hop limit
     */
    public record Received(VrrpAdvert advert, InetAddress source, InetAddress destination, int ttl) {
    }

    /** The outcome of {@link #decode}: exactly one of {@code received} and {@code dropped} is non-null. */
    public record Decoded(Received received, DropReason dropped) {
        static Decoded drop(DropReason reason) {
            return new Decoded(null, reason);
        }
    }

    /** The VRRP message for {@code advert}, its checksum computed for {@code source} -> {@code destination}. */
    public static byte[] encode(VrrpAdvert advert, InetAddress source, InetAddress destination, ChecksumMode mode) {
        List<InetAddress> addresses = advert.addresses();
        int width = source.getAddress().length;
        byte[] m = new byte[HEADER_LENGTH + width * addresses.size()];
        m[VERSION_TYPE_OFFSET] = (byte) (VERSION << 4 | TYPE_ADVERTISEMENT);
        m[VRID_OFFSET] = (byte) advert.vrid();
        m[PRIORITY_OFFSET] = (byte) advert.priority();
        m[COUNT_OFFSET] = (byte) addresses.size();
        m[INTERVAL_OFFSET] = (byte) (advert.maxAdvertIntervalCentis() >>> 8 & 0x0F); // 4 reserved bits stay 0
        m[INTERVAL_OFFSET + 1] = (byte) advert.maxAdvertIntervalCentis();
        for (int i = 0; i < addresses.size(); i++) {
            byte[] a = addresses.get(i).getAddress();
            if (a.length != width) {
                throw new IllegalArgumentException("addresses: " + addresses + " (expected: all of the family of the"
                        + " source " + Addresses.text(source) + ")");
            }
            System.arraycopy(a, 0, m, ADDRESSES_OFFSET + width * i, width);
        }
        int sum = checksum(m, 0, m.length, source, destination, mode);
        m[CHECKSUM_OFFSET] = (byte) (sum >>> 8);
        m[CHECKSUM_OFFSET + 1] = (byte) sum;
        return m;
    }

    /**
     * Decodes a whole IPv4 or IPv6 packet (header included, as a transport hands it over). Checks everything that
     * does not depend on the receiving instance: IP header, protocol, version, type, lengths, interval and checksum;
     * the TTL (hop limit) is returned for the instance to check (it skips that check for unicast peers).
     */
    public static Decoded decode(byte[] packet, int length, ChecksumMode mode) {
        if (length < 20 || length > packet.length) {
            return Decoded.drop(DropReason.TRUNCATED); // shorter than either family's header
        }
        return switch ((packet[0] & 0xFF) >>> 4) {
            case 4 -> decode4(packet, length, mode);
            case 6 -> decode6(packet, length);
            default -> Decoded.drop(DropReason.NOT_VRRP);
        };
    }

    private static Decoded decode4(byte[] packet, int length, ChecksumMode mode) {
        int ihl = (packet[0] & 0x0F) * 4;
        if (ihl < 20 || (packet[9] & 0xFF) != PROTOCOL) {
            return Decoded.drop(DropReason.NOT_VRRP);
        }
        int totalLength = u16(packet, 2);
        if (totalLength < ihl + HEADER_LENGTH || totalLength > length) {
            return Decoded.drop(DropReason.TRUNCATED);
        }
        return message(packet, ihl, totalLength - ihl, 4, address(packet, 12, 4), address(packet, 16, 4),
                packet[8] & 0xFF, mode);
    }

    // Only a plain IPv6 header: an advert carries no extension headers (RFC 5798 5.1.2), and the raw socket's
    // rebuilt header never has any; a chain here is a packet that is not an advert we accept.
    private static Decoded decode6(byte[] packet, int length) {
        if (length < IPV6_HEADER_LENGTH) {
            return Decoded.drop(DropReason.TRUNCATED);
        }
        if ((packet[6] & 0xFF) != PROTOCOL) {
            return Decoded.drop(DropReason.NOT_VRRP);
        }
        int payloadLength = u16(packet, 4);
        if (payloadLength < HEADER_LENGTH || IPV6_HEADER_LENGTH + payloadLength > length) {
            return Decoded.drop(DropReason.TRUNCATED);
        }
        return message(packet, IPV6_HEADER_LENGTH, payloadLength, 16, address(packet, 8, 16),
                address(packet, 24, 16), packet[7] & 0xFF, ChecksumMode.WITH_PSEUDO_HEADER);
    }

    /** The VRRP message of {@code vrrpLength} bytes at {@code m}; addresses are as wide as the packet's family's. */
    private static Decoded message(byte[] packet, int m, int vrrpLength, int width, InetAddress source,
                                   InetAddress destination, int ttl, ChecksumMode mode) {
        int versionType = packet[m + VERSION_TYPE_OFFSET] & 0xFF;
        if (versionType >>> 4 != VERSION) {
            return Decoded.drop(DropReason.BAD_VERSION);
        }
        if ((versionType & 0x0F) != TYPE_ADVERTISEMENT) {
            return Decoded.drop(DropReason.BAD_TYPE);
        }
        int count = packet[m + COUNT_OFFSET] & 0xFF;
        if (vrrpLength < HEADER_LENGTH + width * count) {
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
        List<InetAddress> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            addresses.add(address(packet, m + ADDRESSES_OFFSET + width * i, width));
        }
        VrrpAdvert advert = new VrrpAdvert(packet[m + VRID_OFFSET] & 0xFF, packet[m + PRIORITY_OFFSET] & 0xFF,
                interval, addresses);
        return new Decoded(new Received(advert, source, destination, ttl), null);
    }

    /**
     * The Internet checksum of {@code length} bytes at {@code offset}, preceded by the pseudo-header of the
     * addresses' family (IPv4: RFC 768's; IPv6: RFC 8200 8.1's, the same sum for a length below 65,536) when
     * {@code mode} says so. Over a message whose checksum field is filled in, a correct checksum yields 0.
     */
    static int checksum(byte[] b, int offset, int length, InetAddress source, InetAddress destination,
                        ChecksumMode mode) {
        long sum = 0;
        if (mode == ChecksumMode.WITH_PSEUDO_HEADER || source instanceof Inet6Address) {
            byte[] s = source.getAddress();
            byte[] d = destination.getAddress();
            for (int i = 0; i < s.length; i += 2) {
                sum += u16(s, i) + u16(d, i);
            }
            sum += PROTOCOL + length;
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

    private static InetAddress address(byte[] b, int offset, int width) {
        try {
            byte[] bytes = Arrays.copyOfRange(b, offset, offset + width);
            // Inet6Address's own factory: InetAddress.getByAddress turns an IPv4-mapped IPv6 address into IPv4.
            return width == 4 ? InetAddress.getByAddress(bytes) : Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException impossible) {
            throw new AssertionError(impossible); // 4 or 16 bytes are always a valid address
        }
    }
}
