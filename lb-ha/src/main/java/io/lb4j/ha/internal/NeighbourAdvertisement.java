package io.lb4j.ha.internal;

import java.net.Inet6Address;

/**
 * Builds an unsolicited Neighbour Advertisement frame (RFC 4861 section 7.2.6), the IPv6 counterpart of
 * {@link GratuitousArp}: sent to all nodes (ff02::1, Ethernet 33:33:00:00:00:01) from the virtual address itself, with
 * the Override flag set and a Target Link-Layer Address option carrying our MAC, so every host and router that has the
 * address in its neighbour cache replaces the old master's MAC at once instead of waiting for the entry to go stale
 * and be probed (the 30-45 s takeovers keepalived users saw while its advertisements were wrong). Solicited stays
 * clear (nobody asked); Router is set when this node forwards IPv6 on the interface, as keepalived sets it, because a
 * host that sees Router cleared for its default router drops it from its router list.
 */
public final class NeighbourAdvertisement {

    /** EtherType of IPv6. */
    public static final int ETHER_TYPE = 0x86DD;
    /** ICMPv6 type of a Neighbour Advertisement. */
    static final int TYPE = 136;
    static final int FLAG_ROUTER = 0x80;
    static final int FLAG_SOLICITED = 0x40;
    static final int FLAG_OVERRIDE = 0x20;
    static final int ETHERNET_HEADER = 14;
    static final int IPV6_HEADER = 40;
    /** ICMPv6 header (4), flags and reserved (4), target (16), option type/length (2) and MAC (6). */
    static final int ICMP_LENGTH = 32;
    static final int FRAME_LENGTH = ETHERNET_HEADER + IPV6_HEADER + ICMP_LENGTH;
    private static final int NEXT_HEADER_ICMPV6 = 58;
    private static final byte[] ALL_NODES = {(byte) 0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private NeighbourAdvertisement() {
    }

    /** The whole Ethernet frame announcing that {@code address} is at {@code mac}; {@code router} sets the R flag. */
    public static byte[] frame(byte[] mac, Inet6Address address, boolean router) {
        if (mac == null || mac.length != 6) {
            throw new IllegalArgumentException("mac: " + (mac == null ? "null" : mac.length + " bytes")
                    + " (expected: a 6-byte Ethernet address)");
        }
        byte[] target = address.getAddress();
        byte[] f = new byte[FRAME_LENGTH];
        // Ethernet: RFC 2464 7 maps ff02::1 to 33:33:00:00:00:01.
        f[0] = 0x33;
        f[1] = 0x33;
        f[5] = 1;
        System.arraycopy(mac, 0, f, 6, 6);
        f[12] = (byte) (ETHER_TYPE >>> 8);
        f[13] = (byte) ETHER_TYPE;
        int ip = ETHERNET_HEADER;
        f[ip] = 0x60;                                   // version 6, traffic class and flow label 0
        f[ip + 5] = ICMP_LENGTH;                        // payload length
        f[ip + 6] = NEXT_HEADER_ICMPV6;
        f[ip + 7] = (byte) 255;                         // hop limit: receivers drop NDP with any other (RFC 4861 7.1.2)
        System.arraycopy(target, 0, f, ip + 8, 16);     // source: the virtual address itself
        System.arraycopy(ALL_NODES, 0, f, ip + 24, 16);
        int icmp = ip + IPV6_HEADER;
        f[icmp] = (byte) TYPE;
        f[icmp + 4] = (byte) (FLAG_OVERRIDE | (router ? FLAG_ROUTER : 0));
        System.arraycopy(target, 0, f, icmp + 8, 16);
        f[icmp + 24] = 2;                               // option: Target Link-Layer Address
        f[icmp + 25] = 1;                               // length in units of 8 bytes
        System.arraycopy(mac, 0, f, icmp + 26, 6);
        int sum = checksum(f, ip + 8, icmp, ICMP_LENGTH);
        f[icmp + 2] = (byte) (sum >>> 8);
        f[icmp + 3] = (byte) sum;
        return f;
    }

    /**
     * The ICMPv6 checksum (RFC 4443 2.3) of {@code length} bytes at {@code icmp}, over the IPv6 pseudo-header whose
     * source and destination (32 bytes) start at {@code addresses}; 0 over a message whose checksum is filled in.
     */
    static int checksum(byte[] b, int addresses, int icmp, int length) {
        long sum = NEXT_HEADER_ICMPV6 + length;
        for (int i = 0; i < 32; i += 2) {
            sum += u16(b, addresses + i);
        }
        for (int i = 0; i < length; i += 2) {
            sum += u16(b, icmp + i);
        }
        while (sum >>> 16 != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) ~sum & 0xFFFF;
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | b[i + 1] & 0xFF;
    }
}
