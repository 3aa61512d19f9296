package io.lb4j.benchmarks.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Prebuilt Ethernet/IPv4/TCP frames in native memory, one per fixed-size slot, for the packet-path benchmarks. */
final class BenchFrames {

    static final int SLOT = 256;
    static final long CLIENT_MAC = 0x02_00_00_00_00_0AL;
    static final long LB_MAC = 0x02_00_00_00_00_02L;
    static final long BACKEND_MAC = 0x02_00_00_00_00_6EL;
    static final int LB_IP = 0x0A_00_00_02;
    static final int VIP = 0x0A_00_00_64;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    final MemorySegment memory;
    final int count;
    final int length;

    BenchFrames(int count, int payload) {
        this.count = count;
        this.length = Math.max(14 + 20 + 20 + payload, 60);
        if (length > SLOT) {
            throw new IllegalArgumentException("payload: " + payload + " (expected: a frame within " + SLOT + ")");
        }
        this.memory = Arena.ofAuto().allocate((long) SLOT * count, 64);
    }

    /** The client address of flow {@code i}: distinct (address, port) pairs for up to 2^24 x 50,000 flows. */
    static int client(int i) {
        return 0x0B_00_00_00 + i / 50_000;
    }

    static int clientPort(int i) {
        return 1024 + i % 50_000;
    }

    long offset(int slot) {
        return (long) slot * SLOT;
    }

    /** The IPv4 header checksum of the frame in {@code slot}. */
    int ipChecksum(int slot) {
        return memory.get(U16, offset(slot) + 14 + 10) & 0xFFFF;
    }

    /** Changes the frame in {@code slot} to another client: source address, both ports, the header checksum. */
    void rewrite(int slot, int source, int ports, int ipChecksum) {
        long o = offset(slot);
        memory.set(U32, o + 14 + 12, source);
        memory.set(U16, o + 14 + 10, (short) ipChecksum);
        memory.set(U32, o + 14 + 20, ports);
    }

    /** Writes a frame from {@code src:sport} to {@code dst:dport} into {@code slot}, with a valid IPv4 checksum. */
    void tcp(int slot, long dstMac, long srcMac, int src, int dst, int sport, int dport, int flags) {
        long o = offset(slot);
        MemorySegment m = memory;
        m.set(U16, o, (short) (dstMac >>> 32));
        m.set(U32, o + 2, (int) dstMac);
        m.set(U16, o + 6, (short) (srcMac >>> 32));
        m.set(U32, o + 8, (int) srcMac);
        m.set(U16, o + 12, (short) 0x0800);
        long ip = o + 14;
        int total = length - 14;
        m.set(U16, ip, (short) 0x4500);
        m.set(U16, ip + 2, (short) total);
        m.set(U32, ip + 4, 0x4000); // DF
        m.set(U16, ip + 8, (short) 0x4006);
        m.set(U16, ip + 10, (short) 0);
        m.set(U32, ip + 12, src);
        m.set(U32, ip + 16, dst);
        long sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += m.get(U16, ip + i) & 0xFFFF;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        m.set(U16, ip + 10, (short) ~sum);
        long tcp = ip + 20;
        m.set(U16, tcp, (short) sport);
        m.set(U16, tcp + 2, (short) dport);
        m.set(U32, tcp + 4, 1000);
        m.set(U32, tcp + 8, 2000);
        m.set(U16, tcp + 12, (short) (0x5000 | flags));
        m.set(U16, tcp + 14, (short) 65535);
        m.set(U16, tcp + 16, (short) 0x1234); // the engine does not verify transport checksums
    }
}
