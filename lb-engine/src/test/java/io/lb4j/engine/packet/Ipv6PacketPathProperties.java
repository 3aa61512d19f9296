package io.lb4j.engine.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static io.lb4j.engine.packet.Frames.CLIENT_MAC;
import static io.lb4j.engine.packet.Frames.CapturingSink;
import static io.lb4j.engine.packet.Frames.LB_MAC;
import static io.lb4j.engine.packet.Frames.PRIMARY_MAC;
import static io.lb4j.engine.packet.Frames.SECONDARY_MAC;
import static io.lb4j.engine.packet.Frames6.*;
import static io.lb4j.engine.packet.PacketPathTest.SEC;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the IPv6 parser and path on generated frames: truncation at every offset, extension-header chains of
 * any shape and lengths that lie are counted and dropped, never thrown, and never harm the flow table; NAT66 always
 * leaves checksums that verify from scratch.
 */
class Ipv6PacketPathProperties {

    private static final Set<Integer> VERDICTS = Set.of(PacketPath.DROPPED, PacketPath.NOT_FOR_US,
            PacketPath.FORWARDED, PacketPath.REPLY_FORWARDED, PacketPath.ARP_ANSWERED, PacketPath.ARP_LEARNED);

    private static final class Fixture {
        final VirtualService pacs = VirtualService.directRouting().label("PACS").address("2001:db8::100")
                .ports(104, 80, 8080).real("PrimaryCluster", "2001:db8::110")
                .fallback("2001:db8::120", f -> f.masquerade(true).port(0))
                .healthCheck(HealthCheck.none()).build();
        final Backend primary = Backend.of(pacs.realServers().get(0));
        final Backend secondary = Backend.of(pacs.fallback().orElseThrow());
        final PacketPath path = new PacketPath(LB_MAC, Frames.LB, 1500, PacketPathTest.newFlowTable(256),
                new NeighbourTable(64, 60 * SEC, SEC));
        final CapturingSink tx = new CapturingSink();
        final long now = 1000 * SEC;

        Fixture(boolean failedOver) {
            path.install(failedOver
                    ? new RoutingTable(pacs, 1, List.of(), secondary, true, null)
                    : new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
            path.neighbours().confirm(PRIMARY[0], PRIMARY[1], PRIMARY_MAC, now);
            path.neighbours().confirm(SECONDARY[0], SECONDARY[1], SECONDARY_MAC, now);
        }

        int process(byte[] frame) {
            long before = path.counters().get(Counters.RX_FRAMES);
            int verdict = path.process(MemorySegment.ofArray(frame), 0, frame.length, false, now, tx);
            assertThat(path.counters().get(Counters.RX_FRAMES)).as("every frame is counted").isEqualTo(before + 1);
            assertThat(verdict).isIn(VERDICTS);
            return verdict;
        }

        void assertHealthy() {
            assertThat(path.flows().verify()).isNull();
            assertThat(primary.activeConnections() + secondary.activeConnections())
                    .as("every flow that is not closing holds exactly one slot").isEqualTo(path.flows().slotsHeld());
        }
    }

    @Property(tries = 200)
    void framesTruncatedAtEveryOffsetAreCountedAndNeverForwardedIncomplete(@ForAll("validFrames") byte[] frame) {
        Fixture f = new Fixture(false);
        int l3 = Frames.l3Offset(frame);
        int whole = l3 + 40 + Frames.u16(frame, l3 + 4);
        for (int cut = 0; cut < frame.length; cut++) {
            int verdict = f.process(Arrays.copyOf(frame, cut));
            if (verdict == PacketPath.FORWARDED || verdict == PacketPath.ARP_ANSWERED) {
                assertThat(cut).as("only Ethernet padding may go").isGreaterThanOrEqualTo(whole);
            }
        }
        f.assertHealthy();
    }

    @Property(tries = 1000)
    void extensionHeaderChainsOfAnyShapeAreWalkedOrCountedAndDropped(
            @ForAll @Size(max = 12) List<@IntRange(max = 255) Integer> nextHeaders,
            @ForAll @Size(max = 12) List<@IntRange(max = 3) Integer> lengths,
            @ForAll @IntRange(max = 64) int slack) {
        Fixture f = new Fixture(false);
        byte[] chain = new byte[0];
        int first = nextHeaders.isEmpty() ? Frames6.TCP : nextHeaders.getFirst();
        for (int i = 0; i < nextHeaders.size(); i++) {
            int next = i + 1 < nextHeaders.size() ? nextHeaders.get(i + 1) : Frames6.TCP;
            int units = i < lengths.size() ? lengths.get(i) : 0;
            chain = PacketPathIpv6Test.concat(chain, extension(next, units));
        }
        byte[] syn = tcpSegment(CLIENT, VIP, 40000, 104, TcpFlyweight.SYN, new byte[slack]);
        byte[] frame = frame(LB_MAC, CLIENT_MAC, CLIENT, VIP, first, 64, chain, syn);
        // Lengths that lie: the extension length bytes are random too, so some run past the payload.
        int verdict = f.process(frame);

        Ipv6Flyweight ip = new Ipv6Flyweight();
        int reason = ip.wrap(MemorySegment.ofArray(frame), 14, frame.length - 14, false);
        if (verdict == PacketPath.FORWARDED) {
            assertThat(reason).isEqualTo(Ipv6Flyweight.OK);
            assertThat(ip.protocol()).isEqualTo(Frames6.TCP);
        }
        if (reason == Ipv6Flyweight.OK) {
            assertThat(ip.headersLength()).isBetween(40, 40 + 8 * 4 * Ipv6Flyweight.MAX_EXTENSION_HEADERS);
        }
        f.assertHealthy();
    }

    @Property(tries = 1000)
    void randomCorruptionNeverThrowsNorCorruptsTheTable(@ForAll("validFrames") byte[] frame,
                                                        @ForAll @Size(min = 1, max = 8) List<@IntRange(max = 2000)
                                                                Integer> positions,
                                                        @ForAll byte value) {
        Fixture f = new Fixture(false);
        for (int p : positions) {
            frame[14 + p % (frame.length - 14)] = value; // the Ethernet header stays: the IPv6 parser is under test
        }
        f.process(frame);
        f.process(frame);
        f.assertHealthy();
    }

    @Property(tries = 300)
    void nat66LeavesChecksumsThatVerifyFromScratch(@ForAll long clientHigh, @ForAll long clientLow,
                                                   @ForAll @IntRange(min = 1, max = 65535) int clientPort,
                                                   @ForAll @Size(max = 1400) byte[] payload) {
        Fixture f = new Fixture(true);
        long[] client = {clientHigh, clientLow};
        byte[] request = tcp(LB_MAC, CLIENT_MAC, client, VIP, clientPort, 80, TcpFlyweight.SYN, payload);
        assertThat(f.process(request)).isEqualTo(PacketPath.FORWARDED);
        assertThat(checksumValid(f.tx.last())).isTrue();
        assertThat(destination(f.tx.last())).isEqualTo(SECONDARY);

        byte[] reply = tcp(LB_MAC, SECONDARY_MAC, SECONDARY, client, 80, clientPort,
                TcpFlyweight.SYN | TcpFlyweight.ACK, payload);
        assertThat(f.process(reply)).isEqualTo(PacketPath.REPLY_FORWARDED);
        assertThat(checksumValid(f.tx.last())).isTrue();
        assertThat(source(f.tx.last())).isEqualTo(VIP);
        f.assertHealthy();
    }

    @Property(tries = 500)
    void theIncrementalAddressUpdateEqualsAFullRecomputation(@ForAll @Size(min = 32, max = 200) byte[] data,
                                                             @ForAll long newHigh, @ForAll long newLow) {
        MemorySegment s = MemorySegment.ofArray(data);
        int before = Frames.checksum(data, 0, data.length, 0);
        long oldHigh = Bytes.u64(s, 8);
        long oldLow = Bytes.u64(s, 16);
        Bytes.u64(s, 8, newHigh);
        Bytes.u64(s, 16, newLow);
        int expected = Frames.checksum(data, 0, data.length, 0);
        int updated = Checksums.update128(before, oldHigh, oldLow, newHigh, newLow);
        // One's-complement arithmetic has two zeros; both encode the same sum.
        assertThat(updated == expected || (updated ^ expected) == 0xFFFF && (expected == 0 || expected == 0xFFFF))
                .as("update128 %04x vs full %04x", updated, expected).isTrue();
    }

    /** Valid IPv6 frames of every kind the path handles: SYNs, ACKs, NAT replies, UDP, NDP, with extension headers. */
    @Provide
    Arbitrary<byte[]> validFrames() {
        Arbitrary<Integer> kind = Arbitraries.integers().between(0, 5);
        Arbitrary<Integer> port = Arbitraries.integers().between(1024, 65535);
        Arbitrary<byte[]> payload = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        Arbitrary<Integer> vipPort = Arbitraries.of(104, 80, 8080);
        return Combinators.combine(kind, port, payload, vipPort).as((k, p, data, vp) -> switch (k) {
            case 0 -> tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, p, vp, TcpFlyweight.SYN, data);
            case 1 -> tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, p, vp, TcpFlyweight.ACK, data);
            case 2 -> tcp(LB_MAC, SECONDARY_MAC, SECONDARY, CLIENT, vp, p, TcpFlyweight.ACK, data);
            case 3 -> neighbourMessage(0x3333_FF00_0100L, CLIENT_MAC, CLIENT, solicitedNode(VIP), 135, 0, VIP, 1,
                    CLIENT_MAC, 255);
            case 4 -> udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, p, vp, data);
            default -> frame(LB_MAC, CLIENT_MAC, CLIENT, VIP, 0, 64,
                    PacketPathIpv6Test.concat(extension(43, 0), extension(6, 1)),
                    tcpSegment(CLIENT, VIP, p, vp, TcpFlyweight.SYN, data));
        });
    }
}
