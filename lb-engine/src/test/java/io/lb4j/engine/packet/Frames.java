package io.lb4j.engine.packet;

import io.lb4j.linux.VirtioNetHeader;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds test frames byte by byte and checks them with an independent checksum (plain byte[] arithmetic, no code
 * shared with the engine), so a test proves the engine's rewrites rather than agreeing with itself.
 */
final class Frames {

    static final long CLIENT_MAC = 0x02_00_00_00_00_0AL;
    static final long LB_MAC = 0x02_00_00_00_00_02L;
    static final long PRIMARY_MAC = 0x02_00_00_00_00_6EL;
    static final long SECONDARY_MAC = 0x02_00_00_00_00_78L;

    static final int CLIENT = ip("10.0.0.10");
    static final int LB = ip("10.0.0.2");
    static final int VIP = ip("10.0.0.100");
    static final int PRIMARY = ip("10.0.0.110");
    static final int SECONDARY = ip("10.0.0.120");

    private Frames() {
    }

    static int ip(String dotted) {
        String[] p = dotted.split("\\.");
        return (Integer.parseInt(p[0]) << 24) | (Integer.parseInt(p[1]) << 16) | (Integer.parseInt(p[2]) << 8)
                | Integer.parseInt(p[3]);
    }

    /** An Ethernet + IPv4 + TCP frame with correct checksums. */
    static byte[] tcp(long dstMac, long srcMac, int src, int dst, int sport, int dport, int flags, byte[] payload) {
        return tcp(dstMac, srcMac, src, dst, sport, dport, flags, payload, new byte[0], new int[0]);
    }

    /** The same with IPv4 options (a multiple of 4 bytes) and VLAN tags (TPIDs then VIDs, outermost first). */
    static byte[] tcp(long dstMac, long srcMac, int src, int dst, int sport, int dport, int flags, byte[] payload,
                      byte[] ipOptions, int[] vlans) {
        byte[] l4 = new byte[20 + payload.length];
        ByteBuffer t = ByteBuffer.wrap(l4);
        t.putShort((short) sport).putShort((short) dport).putInt(1000).putInt(flags == 0x02 ? 0 : 2000);
        t.put((byte) (5 << 4)).put((byte) flags).putShort((short) 65535).putShort((short) 0).putShort((short) 0);
        t.put(payload);
        return ipv4Frame(dstMac, srcMac, src, dst, 6, l4, 16, ipOptions, vlans);
    }

    /** An Ethernet + IPv4 + UDP frame; {@code withChecksum} false leaves the UDP checksum 0 (none). */
    static byte[] udp(long dstMac, long srcMac, int src, int dst, int sport, int dport, byte[] payload,
                      boolean withChecksum) {
        byte[] l4 = new byte[8 + payload.length];
        ByteBuffer u = ByteBuffer.wrap(l4);
        u.putShort((short) sport).putShort((short) dport).putShort((short) l4.length).putShort((short) 0).put(payload);
        return ipv4Frame(dstMac, srcMac, src, dst, 17, l4, withChecksum ? 6 : -1, new byte[0], new int[0]);
    }

    private static byte[] ipv4Frame(long dstMac, long srcMac, int src, int dst, int proto, byte[] l4,
                                    int checksumOffset, byte[] ipOptions, int[] vlans) {
        if (checksumOffset >= 0) {
            int sum = transportChecksum(src, dst, proto, l4, checksumOffset);
            if (sum == 0 && proto == 17) {
                sum = 0xFFFF;
            }
            l4[checksumOffset] = (byte) (sum >>> 8);
            l4[checksumOffset + 1] = (byte) sum;
        }
        int ihl = 20 + ipOptions.length;
        byte[] ip = new byte[ihl + l4.length];
        ByteBuffer b = ByteBuffer.wrap(ip);
        b.put((byte) (0x40 | ihl / 4)).put((byte) 0).putShort((short) ip.length).putShort((short) 0x1234)
                .putShort((short) 0x4000).put((byte) 64).put((byte) proto).putShort((short) 0).putInt(src).putInt(dst)
                .put(ipOptions).put(l4);
        int hc = checksum(ip, 0, ihl, 0);
        ip[10] = (byte) (hc >>> 8);
        ip[11] = (byte) hc;
        return ethernet(dstMac, srcMac, 0x0800, ip, vlans);
    }

    static byte[] ethernet(long dstMac, long srcMac, int type, byte[] payload, int[] vlans) {
        int header = 14 + 4 * (vlans.length / 2);
        byte[] f = new byte[Math.max(header + payload.length, 60)];
        ByteBuffer b = ByteBuffer.wrap(f);
        putMac(b, dstMac);
        putMac(b, srcMac);
        for (int i = 0; i < vlans.length; i += 2) {
            b.putShort((short) vlans[i]).putShort((short) vlans[i + 1]);
        }
        b.putShort((short) type).put(payload);
        return f;
    }

    static byte[] arp(int op, long senderMac, int senderIp, long targetMac, int targetIp, long ethDst) {
        byte[] a = new byte[28];
        ByteBuffer b = ByteBuffer.wrap(a);
        b.putShort((short) 1).putShort((short) 0x0800).put((byte) 6).put((byte) 4).putShort((short) op);
        putMac(b, senderMac);
        b.putInt(senderIp);
        putMac(b, targetMac);
        b.putInt(targetIp);
        return ethernet(ethDst, senderMac, 0x0806, a, new int[0]);
    }

    private static void putMac(ByteBuffer b, long mac) {
        b.putShort((short) (mac >>> 32)).putInt((int) mac);
    }

    // ------------------------------------------------------------------ independent checks

    /** RFC 1071 over bytes, as a folded complemented value. */
    static int checksum(byte[] data, int offset, int length, long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += ((data[offset + i] & 0xFF) << 8) | (data[offset + i + 1] & 0xFF);
        }
        if ((length & 1) != 0) {
            sum += (data[offset + length - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    private static int transportChecksum(int src, int dst, int proto, byte[] l4, int checksumOffset) {
        byte[] copy = l4.clone();
        copy[checksumOffset] = 0;
        copy[checksumOffset + 1] = 0;
        long pseudo = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + proto + l4.length;
        return checksum(copy, 0, copy.length, pseudo);
    }

    /** Whether the IPv4 header and TCP/UDP checksums of a frame verify from scratch (UDP 0 = no checksum). */
    static boolean checksumsValid(byte[] frame) {
        int l3 = l3Offset(frame);
        int ihl = (frame[l3] & 0x0F) * 4;
        if (checksum(frame, l3, ihl, 0) != 0) {
            return false;
        }
        int total = u16(frame, l3 + 2);
        int proto = frame[l3 + 9] & 0xFF;
        int src = i32(frame, l3 + 12);
        int dst = i32(frame, l3 + 16);
        int l4 = l3 + ihl;
        int l4Length = total - ihl;
        if (proto == 17 && u16(frame, l4 + 6) == 0) {
            return true;
        }
        long pseudo = (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + proto + l4Length;
        return checksum(frame, l4, l4Length, pseudo) == 0;
    }

    static int l3Offset(byte[] frame) {
        int o = 12;
        while (u16(frame, o) == 0x8100 || u16(frame, o) == 0x88A8) {
            o += 4;
        }
        return o + 2;
    }

    static int u16(byte[] b, int o) {
        return ((b[o] & 0xFF) << 8) | (b[o + 1] & 0xFF);
    }

    static int i32(byte[] b, int o) {
        return (u16(b, o) << 16) | u16(b, o + 2);
    }

    static long mac(byte[] b, int o) {
        return ((long) u16(b, o) << 32) | (i32(b, o + 2) & 0xFFFF_FFFFL);
    }

    // ------------------------------------------------------------------ a sink that records frames

    /**
     * A {@link FrameSink} over one buffer that keeps a copy of every committed frame, and of the virtio-net header
     * before it when made for a path with them.
     */
    static final class CapturingSink implements FrameSink {
        private final MemorySegment buffer = MemorySegment.ofArray(new byte[300_000]);
        private final int reserve;
        final List<byte[]> frames = new ArrayList<>();
        final List<byte[]> vnetHeaders = new ArrayList<>();
        boolean full;

        CapturingSink() {
            this(false);
        }

        CapturingSink(boolean vnetHeaders) {
            this.reserve = vnetHeaders ? VirtioNetHeader.LENGTH : 0;
        }

        @Override
        public MemorySegment segment() {
            return buffer;
        }

        @Override
        public long claim(int length) {
            if (full || length + reserve > buffer.byteSize()) {
                return -1;
            }
            if (reserve != 0) {
                VirtioNetHeader.clear(buffer, 0);
            }
            return reserve;
        }

        @Override
        public void commit(long offset, int length) {
            frames.add(buffer.asSlice(offset, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            if (reserve != 0) {
                vnetHeaders.add(buffer.asSlice(offset - reserve, reserve)
                        .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }

        byte[] last() {
            return frames.get(frames.size() - 1);
        }
    }
}
