package io.lb4j.engine.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.packet.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the packet path on generated frames: rewrites always leave checksums that verify from scratch, and
 * malformed input of every kind is counted and dropped without an exception and without harming the flow table.
 */
class PacketPathProperties {

    static final long SEC = TimeUnit.SECONDS.toNanos(1);

    private static final class Fixture {
        final VirtualService pacs = VirtualService.directRouting().label("PACS").address("10.0.0.100")
                .ports(104, 80, 8080).real("PrimaryCluster", "10.0.0.110")
                .fallback("10.0.0.120", f -> f.masquerade(true).port(0))
                .healthCheck(HealthCheck.none()).build();
        final Backend primary = Backend.of(pacs.realServers().get(0));
        final Backend secondary = Backend.of(pacs.fallback().orElseThrow());
        final PacketPath path = new PacketPath(LB_MAC, LB, 1500, PacketPathTest.newFlowTable(256),
                new NeighbourTable(64, 60 * SEC, SEC));
        final CapturingSink tx = new CapturingSink();
        final long now = 1000 * SEC;

        Fixture(boolean failedOver) {
            path.install(failedOver
                    ? new RoutingTable(pacs, 1, List.of(), secondary, true, null)
                    : new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
            path.neighbours().confirm(PRIMARY, PRIMARY_MAC, now);
            path.neighbours().confirm(SECONDARY, SECONDARY_MAC, now);
        }

        int process(byte[] frame) {
            return path.process(MemorySegment.ofArray(frame), 0, frame.length, false, now, tx);
        }

        void assertHealthy() {
            assertThat(path.flows().verify()).isNull();
            assertThat(primary.activeConnections() + secondary.activeConnections())
                    .as("every flow that is not closing holds exactly one slot").isEqualTo(path.flows().slotsHeld());
        }
    }

    @Property(tries = 300)
    void natRewritesLeaveValidChecksums(@ForAll("ports") int clientPort, @ForAll("vipPorts") int vipPort,
                                        @ForAll int clientIp, @ForAll @Size(max = 1400) byte[] payload,
                                        @ForAll("options") byte[] options) {
        Fixture f = new Fixture(true);
        byte[] request = tcp(LB_MAC, CLIENT_MAC, clientIp, VIP, clientPort, vipPort, TcpFlyweight.SYN, payload,
                options, new int[0]);
        assertThat(f.process(request)).isEqualTo(PacketPath.FORWARDED);
        assertThat(checksumsValid(f.tx.last())).isTrue();
        assertThat(i32(f.tx.last(), 14 + 16)).isEqualTo(SECONDARY);

        byte[] reply = tcp(LB_MAC, SECONDARY_MAC, SECONDARY, clientIp, vipPort, clientPort,
                TcpFlyweight.SYN | TcpFlyweight.ACK, payload, options, new int[0]);
        assertThat(f.process(reply)).isEqualTo(PacketPath.REPLY_FORWARDED);
        byte[] out = f.tx.last();
        assertThat(checksumsValid(out)).isTrue();
        assertThat(i32(out, 14 + 12)).isEqualTo(VIP);
        f.assertHealthy();
    }

    @Property(tries = 300)
    void incrementalUpdatesEqualAFullRecomputation(@ForAll @Size(min = 2, max = 200) byte[] data,
                                                   @ForAll @IntRange(max = 99) int wordIndex,
                                                   @ForAll int newValue) {
        int words = data.length / 2;
        int at = (wordIndex % words) * 2;
        int before = checksum(data, 0, data.length, 0);
        int oldWord = u16(data, at);
        data[at] = (byte) (newValue >>> 8);
        data[at + 1] = (byte) newValue;
        int expected = checksum(data, 0, data.length, 0);
        int updated = Checksums.update16(before, oldWord, newValue & 0xFFFF);
        // One's-complement arithmetic has two zeros; both encode the same sum.
        assertThat(updated == expected || (updated ^ expected) == 0xFFFF && (expected == 0 || expected == 0xFFFF))
                .as("update16 %04x vs full %04x", updated, expected).isTrue();
    }

    @Property(tries = 200)
    void framesTruncatedAtEveryOffsetAreDroppedAndCounted(@ForAll("validFrames") byte[] frame) {
        Fixture f = new Fixture(false);
        for (int cut = 0; cut < frame.length; cut++) {
            byte[] truncated = Arrays.copyOf(frame, cut);
            long before = f.path.counters().get(Counters.RX_FRAMES);
            int verdict = f.process(truncated);
            assertThat(f.path.counters().get(Counters.RX_FRAMES)).isEqualTo(before + 1);
            if (verdict == PacketPath.FORWARDED) {
                // Only Ethernet padding may go: the IP datagram itself must be whole to be forwarded.
                int l3 = l3Offset(frame);
                assertThat(cut).isGreaterThanOrEqualTo(l3 + u16(frame, l3 + 2));
            }
        }
        f.assertHealthy();
    }

    @Property(tries = 1000)
    void randomCorruptionNeverThrowsNorCorruptsTheTable(@ForAll("validFrames") byte[] frame,
                                                        @ForAll @Size(min = 1, max = 8)
                                                        List<@IntRange(max = 200) Integer> positions,
                                                        @ForAll byte value) {
        Fixture f = new Fixture(positions.size() % 2 == 0);
        for (int p : positions) {
            frame[p % frame.length] = value;
        }
        int verdict = f.process(frame);
        if (verdict == PacketPath.FORWARDED || verdict == PacketPath.REPLY_FORWARDED) {
            assertThat(checksumsValid(f.tx.last()) == checksumsValid(frame))
                    .as("a forwarded frame is exactly as valid as the one received").isTrue();
        }
        f.assertHealthy();
    }

    @Property(tries = 100)
    void badHeaderLengthsAndFragmentsAreCountedAndDropped(@ForAll @IntRange(max = 15) int ihl,
                                                          @ForAll @IntRange(max = 0x1FFF) int fragmentOffset,
                                                          @ForAll boolean moreFragments) {
        Fixture f = new Fixture(false);
        byte[] frame = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, TcpFlyweight.SYN, new byte[8]);
        frame[14] = (byte) (0x40 | ihl);
        int flags = (moreFragments ? 0x2000 : 0) | fragmentOffset;
        frame[14 + 6] = (byte) (flags >>> 8);
        frame[14 + 7] = (byte) flags;
        fixIpChecksum(frame);
        int verdict = f.process(frame);
        if (ihl != 5 || flags != 0) {
            assertThat(verdict).isEqualTo(PacketPath.DROPPED);
            long counted = f.path.counters().get(Counters.MALFORMED) + f.path.counters().get(Counters.FRAGMENTS)
                    + f.path.counters().get(Counters.BAD_IP_CHECKSUM);
            assertThat(counted).isEqualTo(1);
        } else {
            assertThat(verdict).isEqualTo(PacketPath.FORWARDED);
        }
        f.assertHealthy();
    }

    @Property(tries = 100)
    void unknownEtherTypesAreCountedAndDropped(@ForAll @IntRange(min = 0x0600, max = 0xFFFF) int type) {
        if (type == 0x0800 || type == 0x0806 || type == 0x86DD || type == 0x8100 || type == 0x88A8) {
            return;
        }
        Fixture f = new Fixture(false);
        assertThat(f.process(ethernet(LB_MAC, CLIENT_MAC, type, new byte[46], new int[0])))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(f.path.counters().get(Counters.UNKNOWN_ETHERTYPE)).isEqualTo(1);
    }

    @Property(tries = 50)
    void badTotalLengthsAreDropped(@ForAll @IntRange(max = 0xFFFF) int totalLength) {
        Fixture f = new Fixture(false);
        byte[] frame = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, TcpFlyweight.SYN, new byte[8]);
        int real = u16(frame, 16);
        frame[16] = (byte) (totalLength >>> 8);
        frame[17] = (byte) totalLength;
        fixIpChecksum(frame);
        int verdict = f.process(frame);
        if (totalLength < 20 + 20 || totalLength > real) {
            // Shorter than its own headers, or longer than the frame: malformed.
            assertThat(verdict).isEqualTo(PacketPath.DROPPED);
            assertThat(f.path.counters().get(Counters.MALFORMED)).isEqualTo(1);
        } else {
            // A datagram shorter than the frame leaves Ethernet padding behind it, which is legal.
            assertThat(verdict).isEqualTo(PacketPath.FORWARDED);
        }
        f.assertHealthy();
    }

    @Property(tries = 200)
    void batchesDoExactlyWhatSingleFramesDo(@ForAll @Size(min = 1, max = 32) List<@From("validFrames") byte[]> frames,
                                           @ForAll @IntRange(max = 3) int corruptEvery) {
        Fixture single = new Fixture(false);
        Fixture batched = new Fixture(false);
        MemorySegment ring = MemorySegment.ofArray(new byte[frames.size() * 256]);
        long[] offsets = new long[frames.size()];
        int[] lengths = new int[frames.size()];
        boolean[] partial = new boolean[frames.size()];
        for (int k = 0; k < frames.size(); k++) {
            byte[] f = frames.get(k);
            if (corruptEvery > 0 && k % (corruptEvery + 1) == 0) {
                f[14] = (byte) (0x40 | k % 16); // some bad IHLs in the mix
            }
            offsets[k] = k * 256L;
            lengths[k] = f.length;
            MemorySegment.copy(MemorySegment.ofArray(f), 0, ring, offsets[k], f.length);
            single.process(f);
        }
        batched.path.processBatch(ring, offsets, lengths, partial, frames.size(), batched.now, batched.tx);

        assertThat(batched.tx.frames).hasSameSizeAs(single.tx.frames);
        for (int k = 0; k < single.tx.frames.size(); k++) {
            assertThat(batched.tx.frames.get(k)).isEqualTo(single.tx.frames.get(k));
        }
        for (int c = 0; c < Counters.COUNT; c++) {
            assertThat(batched.path.counters().get(c)).as("counter %d", c).isEqualTo(single.path.counters().get(c));
        }
        batched.assertHealthy();
    }

    private static void fixIpChecksum(byte[] frame) {
        int ihl = Math.max((frame[14] & 0x0F) * 4, 20);
        frame[24] = 0;
        frame[25] = 0;
        int sum = checksum(frame, 14, Math.min(ihl, frame.length - 14), 0);
        frame[24] = (byte) (sum >>> 8);
        frame[25] = (byte) sum;
    }

    @Provide
    Arbitrary<Integer> ports() {
        return Arbitraries.integers().between(1, 65535);
    }

    @Provide
    Arbitrary<Integer> vipPorts() {
        return Arbitraries.of(104, 80, 8080);
    }

    @Provide
    Arbitrary<byte[]> options() {
        return Arbitraries.integers().between(0, 10).map(words -> {
            byte[] o = new byte[words * 4];
            Arrays.fill(o, (byte) 1); // NOP options
            return o;
        });
    }

    /** Valid frames of every kind the path handles: client SYNs and ACKs, NAT replies, ARP, UDP, VLAN-tagged. */
    @Provide
    Arbitrary<byte[]> validFrames() {
        Arbitrary<Integer> kind = Arbitraries.integers().between(0, 5);
        Arbitrary<Integer> port = Arbitraries.integers().between(1024, 65535);
        Arbitrary<byte[]> payload = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        return Combinators.combine(kind, port, payload, vipPorts()).as((k, p, data, vp) -> switch (k) {
            case 0 -> tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, p, vp, TcpFlyweight.SYN, data);
            case 1 -> tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, p, vp, TcpFlyweight.ACK, data);
            case 2 -> tcp(LB_MAC, SECONDARY_MAC, SECONDARY, CLIENT, vp, p, TcpFlyweight.ACK, data);
            case 3 -> arp(1, CLIENT_MAC, CLIENT, 0, VIP, EthernetFlyweight.BROADCAST);
            case 4 -> Frames.udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, p, vp, data, true);
            default -> tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, p, vp, TcpFlyweight.SYN, data, new byte[]{1, 1, 1, 1},
                    new int[]{0x88A8, 7, 0x8100, 42});
        });
    }
}
