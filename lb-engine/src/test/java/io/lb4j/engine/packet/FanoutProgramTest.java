package io.lb4j.engine.packet;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static io.lb4j.engine.packet.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fanout program, run by a classic BPF interpreter written here from the kernel's documentation
 * (Documentation/networking/filter.rst) over frames as the fanout sees them (from the network header): both
 * directions of a NAT flow reach one thread, the one {@link FanoutProgram#shard} names, and what is not IPv4 TCP/UDP
 * reaches thread 0.
 */
class FanoutProgramTest {

    static final int[] VIPS = {ip("10.0.0.100"), ip("10.0.0.101")};

    @Test
    void bothDirectionsOfANatFlowReachTheThreadShardNames() {
        Random random = new Random(7);
        int[] seen = new int[4];
        try (Arena arena = Arena.ofConfined()) {
            FanoutProgram program = FanoutProgram.forVips(VIPS, arena);
            for (int k = 0; k < 2000; k++) {
                int client = random.nextInt();
                int clientPort = 1024 + random.nextInt(60000);
                int vip = VIPS[k & 1];
                byte[] request = tcp(LB_MAC, CLIENT_MAC, client, vip, clientPort, 104, 0x02, new byte[0]);
                byte[] reply = tcp(LB_MAC, SECONDARY_MAC, SECONDARY, client, 11112, clientPort, 0x12, new byte[0]);
                for (int threads = 2; threads <= 4; threads++) {
                    int expected = FanoutProgram.shard(client, clientPort, threads);
                    assertThat(run(program, request, 0x0800) % threads).isEqualTo(expected);
                    assertThat(run(program, reply, 0x0800) % threads).isEqualTo(expected);
                }
                seen[FanoutProgram.shard(client, clientPort, 4)]++;
            }
        }
        assertThat(Arrays.stream(seen).boxed().toList()).as("clients spread over four threads")
                .allSatisfy(n -> assertThat(n).isBetween(400, 600));
    }

    @Test
    void udpFlowsAreSteeredByTheClientToo() {
        try (Arena arena = Arena.ofConfined()) {
            FanoutProgram program = FanoutProgram.forVips(VIPS, arena);
            byte[] datagram = udp(LB_MAC, CLIENT_MAC, CLIENT, VIPS[0], 5000, 53, new byte[8], true);
            assertThat(run(program, datagram, 0x0800)).isEqualTo(hash(CLIENT, 5000));
        }
    }

    @Test
    void whatIsNotIpv4TcpOrUdpGoesToThreadZero() {
        try (Arena arena = Arena.ofConfined()) {
            FanoutProgram program = FanoutProgram.forVips(VIPS, arena);
            byte[] arp = arp(1, CLIENT_MAC, CLIENT, 0, VIPS[0], EthernetFlyweight.BROADCAST);
            assertThat(run(program, arp, 0x0806)).isZero();
            byte[] icmp = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIPS[0], 40000, 104, 0x02, new byte[0]);
            icmp[14 + 9] = 1;
            assertThat(run(program, icmp, 0x0800)).isZero();
            byte[] fragment = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIPS[0], 40000, 104, 0x02, new byte[0]);
            fragment[14 + 7] = 8; // fragment offset 8: no ports in it
            assertThat(run(program, fragment, 0x0800)).isZero();
        }
    }

    @Test
    void everyIpv6FrameGoesToThreadZeroWhichHoldsItsFlowsAndItsNeighbours() {
        try (Arena arena = Arena.ofConfined()) {
            FanoutProgram program = FanoutProgram.forVips(VIPS, arena);
            for (int port = 1024; port < 1100; port++) {
                byte[] syn = Frames6.tcp(LB_MAC, CLIENT_MAC, Frames6.CLIENT, Frames6.VIP, port, 104, 0x02,
                        new byte[0]);
                assertThat(run(program, syn, 0x86DD)).isZero();
                byte[] reply = Frames6.tcp(LB_MAC, SECONDARY_MAC, Frames6.SECONDARY, Frames6.CLIENT, 104, port, 0x12,
                        new byte[0]);
                assertThat(run(program, reply, 0x86DD)).isZero();
            }
        }
    }

    @Test
    void aProgramWithoutVipsStillSteersReplies() {
        try (Arena arena = Arena.ofConfined()) {
            FanoutProgram program = FanoutProgram.forVips(new int[0], arena);
            byte[] reply = tcp(LB_MAC, SECONDARY_MAC, SECONDARY, CLIENT, 11112, 40000, 0x12, new byte[0]);
            assertThat(run(program, reply, 0x0800)).isEqualTo(hash(CLIENT, 40000));
        }
    }

    @Test
    void tooManyVipsForOneProgramAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            int[] vips = new int[FanoutProgram.MAX_VIPS + 1];
            Arrays.setAll(vips, i -> ip("10.1.0.0") + i);
            assertThatThrownBy(() -> FanoutProgram.forVips(vips, arena))
                    .hasMessage("VIPs: 201 (expected: at most 200 with several packet threads)");
            assertThat(FanoutProgram.forVips(Arrays.copyOf(vips, FanoutProgram.MAX_VIPS), arena).count())
                    .isEqualTo(FanoutProgram.MAX_VIPS + 25);
        }
    }

    private static long hash(int address, int port) {
        return (((address ^ port) * 0x9E3779B1) >>> 16) & 0xFFFF_FFFFL;
    }

    /** Runs the program over the frame from its network header; returns the program's result, unsigned. */
    static long run(FanoutProgram program, byte[] frame, int etherType) {
        MemorySegment code = program.instructions();
        byte[] p = Arrays.copyOfRange(frame, 14, frame.length);
        ValueLayout.OfShort op = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
        ValueLayout.OfInt kk = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
        int a = 0;
        int x = 0;
        int[] m = new int[16];
        int pc = 0;
        for (int steps = 0; steps < 10_000; steps++) {
            long o = 8L * pc;
            int c = code.get(op, o) & 0xFFFF;
            int jt = code.get(ValueLayout.JAVA_BYTE, o + 2) & 0xFF;
            int jf = code.get(ValueLayout.JAVA_BYTE, o + 3) & 0xFF;
            int k = code.get(kk, o + 4);
            pc++;
            switch (c) {
                case 0x20 -> a = i32(p, k);                                          // ld [k]
                case 0x28 -> a = k == -0x1000 ? etherType : u16(p, k);              // ldh [k] / ldh proto
                case 0x30 -> a = p[k] & 0xFF;                                        // ldb [k]
                case 0x48 -> a = u16(p, x + k);                                      // ldh [x + k]
                case 0x60 -> a = m[k];                                               // ld M[k]
                case 0xB1 -> x = 4 * (p[k] & 0x0F);                                  // ldxb 4*([k]&0xf)
                case 0x02 -> m[k] = a;                                               // st M[k]
                case 0x07 -> x = a;                                                  // tax
                case 0xAC -> a ^= x;                                                 // xor x
                case 0x24 -> a *= k;                                                 // mul #k
                case 0x74 -> a >>>= k;                                               // rsh #k
                case 0x15 -> pc += a == k ? jt : jf;                                 // jeq #k
                case 0x45 -> pc += (a & k) != 0 ? jt : jf;                           // jset #k
                case 0x05 -> pc += k;                                                // ja
                case 0x16 -> {
                    return a & 0xFFFF_FFFFL;                                         // ret a
                }
                case 0x06 -> {
                    return k & 0xFFFF_FFFFL;                                         // ret #k
                }
                default -> throw new IllegalStateException("opcode 0x" + Integer.toHexString(c) + " at " + (pc - 1));
            }
        }
        throw new IllegalStateException("no return");
    }
}
