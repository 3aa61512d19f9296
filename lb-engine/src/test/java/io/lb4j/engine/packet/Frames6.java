package io.lb4j.engine.packet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

import static io.lb4j.engine.packet.Frames.checksum;
import static io.lb4j.engine.packet.Frames.ethernet;

/** IPv6 test frames built independently of the path's flyweights, with checksums computed from scratch. */
final class Frames6 {

    static final long[] CLIENT = address("2001:db8::10");
    static final long[] VIP = address("2001:db8::100");
    static final long[] PRIMARY = address("2001:db8::110");
    static final long[] SECONDARY = address("2001:db8::120");
    static final long[] ALL_NODES = address("ff02::1");
    static final int ETHERTYPE = 0x86DD;
    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMPV6 = 58;

    private Frames6() {
    }

    static long[] address(String text) {
        try {
            ByteBuffer b = ByteBuffer.wrap(InetAddress.getByName(text).getAddress());
            return new long[] {b.getLong(), b.getLong()};
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static long[] solicitedNode(long[] target) {
        return new long[] {0xFF02_0000_0000_0000L, 0x0000_0001_FF00_0000L | (target[1] & 0xFF_FFFFL)};
    }

    /** A TCP segment: 20-byte header, checksum over the pseudo-header. */
    static byte[] tcpSegment(long[] src, long[] dst, int sport, int dport, int flags, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.putShort((short) sport).putShort((short) dport).putInt(1000).putInt(flags == 2 ? 0 : 1)
                .put((byte) 0x50).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0)
                .put(payload);
        byte[] l4 = b.array();
        putU16(l4, 16, checksum(l4, 0, l4.length, pseudo(src, dst, TCP, l4.length)));
        return l4;
    }

    static byte[] udpDatagram(long[] src, long[] dst, int sport, int dport, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
        b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload.length)).putShort((short) 0)
                .put(payload);
        byte[] l4 = b.array();
        int sum = checksum(l4, 0, l4.length, pseudo(src, dst, UDP, l4.length));
        putU16(l4, 6, sum == 0 ? 0xFFFF : sum);
        return l4;
    }

    static long pseudo(long[] src, long[] dst, int proto, int length) {
        return words(src[0]) + words(src[1]) + words(dst[0]) + words(dst[1]) + length + proto;
    }

    private static long words(long v) {
        return (v >>> 48) + ((v >>> 32) & 0xFFFF) + ((v >>> 16) & 0xFFFF) + (v & 0xFFFF);
    }

    /** An Ethernet frame around an IPv6 header whose payload is {@code extensions} then {@code upper}. */
    static byte[] frame(long dstMac, long srcMac, long[] src, long[] dst, int nextHeader, int hopLimit,
                        byte[] extensions, byte[] upper) {
        ByteBuffer b = ByteBuffer.allocate(40 + extensions.length + upper.length);
        b.putInt(0x6000_0000).putShort((short) (extensions.length + upper.length)).put((byte) nextHeader)
                .put((byte) hopLimit).putLong(src[0]).putLong(src[1]).putLong(dst[0]).putLong(dst[1])
                .put(extensions).put(upper);
        return ethernet(dstMac, srcMac, ETHERTYPE, b.array(), new int[0]);
    }

    static byte[] tcp(long dstMac, long srcMac, long[] src, long[] dst, int sport, int dport, int flags,
                      byte[] payload) {
        return frame(dstMac, srcMac, src, dst, TCP, 64, new byte[0],
                tcpSegment(src, dst, sport, dport, flags, payload));
    }

    static byte[] udp(long dstMac, long srcMac, long[] src, long[] dst, int sport, int dport, byte[] payload) {
        return frame(dstMac, srcMac, src, dst, UDP, 64, new byte[0], udpDatagram(src, dst, sport, dport, payload));
    }

    /** An extension header of {@code type}'s format: next header, length in 8-byte units beyond the first, padding. */
    static byte[] extension(int next, int units) {
        byte[] e = new byte[(units + 1) * 8];
        e[0] = (byte) next;
        e[1] = (byte) units;
        if (units == 0) {
            e[2] = 1; // a PadN option covering the rest, as hosts send
            e[3] = 2;
        }
        return e;
    }

    /** A Neighbour Solicitation or Advertisement (type 135/136) with an optional link-layer address option. */
    static byte[] neighbourMessage(long dstMac, long srcMac, long[] src, long[] dst, int type, int flags,
                                   long[] target, int optionType, long optionMac, int hopLimit) {
        ByteBuffer b = ByteBuffer.allocate(optionType == 0 ? 24 : 32);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putInt(flags).putLong(target[0]).putLong(target[1]);
        if (optionType != 0) {
            b.put((byte) optionType).put((byte) 1).putShort((short) (optionMac >>> 32)).putInt((int) optionMac);
        }
        byte[] icmp = b.array();
        putU16(icmp, 2, checksum(icmp, 0, icmp.length, pseudo(src, dst, ICMPV6, icmp.length)));
        return frame(dstMac, srcMac, src, dst, ICMPV6, hopLimit, new byte[0], icmp);
    }

    /** An ICMPv6 error of {@code type} (2: Packet Too Big) embedding {@code original}'s IPv6 packet. */
    static byte[] icmpError(long dstMac, long srcMac, long[] src, long[] dst, int type, int word, byte[] original) {
        int l3 = Frames.l3Offset(original);
        byte[] icmp = new byte[8 + original.length - l3];
        icmp[0] = (byte) type;
        putU32(icmp, 4, word);
        System.arraycopy(original, l3, icmp, 8, original.length - l3);
        putU16(icmp, 2, checksum(icmp, 0, icmp.length, pseudo(src, dst, ICMPV6, icmp.length)));
        return frame(dstMac, srcMac, src, dst, ICMPV6, 64, new byte[0], icmp);
    }

    /** Whether the upper-layer checksum of an IPv6 frame without extension headers verifies from scratch. */
    static boolean checksumValid(byte[] frame) {
        int l3 = Frames.l3Offset(frame);
        int length = Frames.u16(frame, l3 + 4);
        int proto = frame[l3 + 6] & 0xFF;
        long[] src = {longAt(frame, l3 + 8), longAt(frame, l3 + 16)};
        long[] dst = {longAt(frame, l3 + 24), longAt(frame, l3 + 32)};
        if (proto == UDP && Frames.u16(frame, l3 + 40 + 6) == 0) {
            return false; // mandatory in IPv6
        }
        return checksum(frame, l3 + 40, length, pseudo(src, dst, proto, length)) == 0;
    }

    static long[] source(byte[] frame) {
        int l3 = Frames.l3Offset(frame);
        return new long[] {longAt(frame, l3 + 8), longAt(frame, l3 + 16)};
    }

    static long[] destination(byte[] frame) {
        int l3 = Frames.l3Offset(frame);
        return new long[] {longAt(frame, l3 + 24), longAt(frame, l3 + 32)};
    }

    static long longAt(byte[] b, int o) {
        return ((long) Frames.i32(b, o) << 32) | (Frames.i32(b, o + 4) & 0xFFFF_FFFFL);
    }

    static void putU16(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 8);
        b[o + 1] = (byte) v;
    }

    static void putU32(byte[] b, int o, int v) {
        putU16(b, o, v >>> 16);
        putU16(b, o + 2, v);
    }
}
