package io.lb4j.engine.packet;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The classic BPF program that spreads frames over an engine's packet threads ({@code PACKET_FANOUT_CBPF}): it hashes
 * the <em>client's</em> address and port, so every frame of a flow, in both directions, reaches the thread that holds
 * the flow. A client's frame to a VIP carries the client as its source; a NAT backend's reply carries it as its
 * destination; the program tells them apart by whether the destination is one of the VIPs. The kernel's own fanout
 * hash cannot do this: a NAT reply's 5-tuple is not the request's.
 *
 * <p>Frames that are not IPv4 TCP/UDP (ARP, IPv6, in-band VLAN tags) all go to thread 0, which owns the neighbour
 * table. IPv6 is not hashed, on purpose: a classic BPF program cannot walk extension headers, so a flow whose frames
 * sometimes carry one (a hop-by-hop header on some segments) would be split between threads and lose its flow; an
 * ICMPv6 error (Packet Too Big) names its flow only inside the embedded packet, and must reach the thread that holds
 * the flow; and NDP must reach the neighbour table's owner. One thread for all of IPv6 keeps all three right; IPv6
 * forwarding therefore uses one core. {@link #shard} computes the same choice in Java, for flows the pair's sync hands over.
 *
 * <p>Loads are relative to the network header, where the kernel's fanout runs its program.
 */
final class FanoutProgram {

    // Classic BPF opcodes (linux/filter.h, linux/bpf_common.h).
    private static final int LD_W_ABS = 0x20;
    private static final int LD_H_ABS = 0x28;
    private static final int LD_B_ABS = 0x30;
    private static final int LD_H_IND = 0x48;
    private static final int LD_MEM = 0x60;
    private static final int LDX_B_MSH = 0xB1;
    private static final int ST = 0x02;
    private static final int TAX = 0x07;
    private static final int XOR_X = 0xAC;
    private static final int MUL_K = 0x24;
    private static final int RSH_K = 0x74;
    private static final int JEQ_K = 0x15;
    private static final int JSET_K = 0x45;
    private static final int JA = 0x05;
    private static final int RET_A = 0x16;
    private static final int RET_K = 0x06;
    /** SKF_AD_OFF + SKF_AD_PROTOCOL: the frame's EtherType (skb->protocol) in host order. */
    private static final int AD_PROTOCOL = -0x1000;

    private static final int GOLDEN = 0x9E37_79B1;
    /** The most VIPs one program compares against (a jump offset is 8 bits). */
    static final int MAX_VIPS = 200;

    private static final ValueLayout.OfShort CODE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfInt K = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private final MemorySegment instructions;
    private final int count;

    private FanoutProgram(MemorySegment instructions, int count) {
        this.instructions = instructions;
        this.count = count;
    }

    /** The thread among {@code threads} that the program sends a flow of this client to. */
    static int shard(int clientAddress, int clientPort, int threads) {
        return Integer.remainderUnsigned(((clientAddress ^ clientPort) * GOLDEN) >>> 16, threads);
    }

    /**
     * The program for these VIPs, in {@code arena}.
     *
     * @throws IllegalArgumentException beyond {@link #MAX_VIPS} VIPs
     */
    static FanoutProgram forVips(int[] vips, Arena arena) {
        if (vips.length > MAX_VIPS) {
            throw new IllegalArgumentException("VIPs: " + vips.length + " (expected: at most " + MAX_VIPS
                    + " with several packet threads)");
        }
        int clientIsSource = 8 + vips.length + 1;    // after the checks, the load, a compare per VIP and a jump
        int clientIsDestination = clientIsSource + 5;
        int mix = clientIsDestination + 4;
        int n = mix + 6 + 1;
        MemorySegment p = arena.allocate(8L * n, 8);
        Writer w = new Writer(p);
        int ret0 = n - 1;                       // the last instruction: return 0 (thread 0)
        w.op(LD_H_ABS, AD_PROTOCOL);
        w.jump(JEQ_K, 0x0800, w.at() + 1, ret0); // IPv4 only
        w.op(LD_B_ABS, 9);                      // protocol
        w.jump(JEQ_K, 6, w.at() + 2, w.at() + 1);
        w.jump(JEQ_K, 17, w.at() + 1, ret0);    // TCP or UDP
        w.op(LD_H_ABS, 6);
        w.jump(JSET_K, 0x1FFF, ret0, w.at() + 1); // a later fragment has no ports
        w.op(LD_W_ABS, 16);                     // destination address
        for (int vip : vips) {
            w.jump(JEQ_K, vip, clientIsSource, w.at() + 1);
        }
        w.goTo(clientIsDestination);
        // The client sent it: its address is the source, its port the source port.
        w.op(LD_W_ABS, 12);
        w.op(ST, 0);
        w.op(LDX_B_MSH, 0);
        w.op(LD_H_IND, 0);
        w.goTo(mix);
        // A reply to the client: its address is the destination, its port the destination port.
        w.op(LD_W_ABS, 16);
        w.op(ST, 0);
        w.op(LDX_B_MSH, 0);
        w.op(LD_H_IND, 2);
        // hash = ((address ^ port) * golden) >>> 16; the kernel takes it modulo the number of threads
        w.op(TAX, 0);
        w.op(LD_MEM, 0);
        w.op(XOR_X, 0);
        w.op(MUL_K, GOLDEN);
        w.op(RSH_K, 16);
        w.op(RET_A, 0);
        w.op(RET_K, 0);
        if (w.at() != n) {
            throw new IllegalStateException("fanout program: " + w.at() + " instructions, planned " + n);
        }
        return new FanoutProgram(p, n);
    }

    MemorySegment instructions() {
        return instructions;
    }

    int count() {
        return count;
    }

    /** Writes {@code struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}}; jumps are given as absolute targets. */
    private static final class Writer {
        private final MemorySegment p;
        private int at;

        Writer(MemorySegment p) {
            this.p = p;
        }

        int at() {
            return at;
        }

        void op(int code, int k) {
            put(code, 0, 0, k);
        }

        void jump(int code, int k, int whenTrue, int whenFalse) {
            put(code, whenTrue - at - 1, whenFalse - at - 1, k);
        }

        void goTo(int target) {
            put(JA, 0, 0, target - at - 1);
        }

        private void put(int code, int jt, int jf, int k) {
            if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
                throw new IllegalStateException("fanout program: jump out of range at " + at);
            }
            long o = 8L * at;
            p.set(CODE, o, (short) code);
            p.set(ValueLayout.JAVA_BYTE, o + 2, (byte) jt);
            p.set(ValueLayout.JAVA_BYTE, o + 3, (byte) jf);
            p.set(K, o + 4, k);
            at++;
        }
    }
}
