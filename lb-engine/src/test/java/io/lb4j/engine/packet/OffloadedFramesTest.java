package io.lb4j.engine.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.linux.VirtioNetHeader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.packet.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The frames real NICs deliver: super-frames (GRO/LRO on receive, TSO/GSO of a sender on the same host) and partial
 * checksums (a local sender's checksum offload), with and without the kernel's offload metadata
 * ({@link VirtioNetHeader}). Checked with {@link Frames}' independent checksums.
 */
class OffloadedFramesTest {

    static final long SEC = TimeUnit.SECONDS.toNanos(1);
    static final int MTU = 1500;
    static final int PAYLOAD = 20_000;
    static final int MSS = 1448;
    static final int TCP_LENGTH = 20 + PAYLOAD;

    final VirtualService pacs = VirtualService.directRouting().label("PACS").address("10.0.0.100").ports(104)
            .real("PrimaryCluster", "10.0.0.110")
            .fallback("10.0.0.120", f -> f.masquerade(true).port(11112))
            .healthCheck(HealthCheck.none()).build();
    final Backend primary = Backend.of(pacs.realServers().get(0));
    final Backend secondary = Backend.of(pacs.fallback().orElseThrow());
    final byte[] payload = new byte[PAYLOAD];
    long now = 1_000 * SEC;

    OffloadedFramesTest() {
        new Random(13).nextBytes(payload);
    }

    private PacketPath path(boolean vnetHeaders, boolean primaryHalted) {
        PacketPath path = new PacketPath(LB_MAC, LB, MTU, PacketPathTest.newFlowTable(64),
                new NeighbourTable(64, 60 * SEC, SEC), vnetHeaders);
        path.install(primaryHalted ? new RoutingTable(pacs, 1, List.of(), secondary, true, null)
                : new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
        path.neighbours().confirm(PRIMARY, PRIMARY_MAC, now);
        path.neighbours().confirm(SECONDARY, SECONDARY_MAC, now);
        return path;
    }

    /** Opens the flow with a SYN and its ACK, so the super-frame that follows belongs to an established flow. */
    private void handshake(PacketPath path, CapturingSink tx, boolean vnetHeaders) {
        assertThat(process(path, tx, tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]), vnetHeaders,
                false)).isEqualTo(PacketPath.FORWARDED);
        assertThat(process(path, tx, tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[0]), vnetHeaders,
                false)).isEqualTo(PacketPath.FORWARDED);
        tx.frames.clear();
        tx.vnetHeaders.clear();
    }

    static final int SYN = TcpFlyweight.SYN;
    static final int ACK = TcpFlyweight.ACK;

    /** A client's TCP super-frame of {@value #PAYLOAD} bytes, as TSO/GRO leaves it: the checksum only partial. */
    private byte[] superFrame(int flags) {
        byte[] frame = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, flags, payload);
        int seed = pseudoHeaderSum(CLIENT, VIP, TCP_LENGTH);
        frame[34 + 16] = (byte) (seed >>> 8);
        frame[34 + 17] = (byte) seed;
        return frame;
    }

    /** The pseudo-header's folded sum, not complemented: what a partial TCP checksum field holds. */
    static int pseudoHeaderSum(int source, int destination, int tcpLength) {
        long sum = (source >>> 16) + (source & 0xFFFF) + (destination >>> 16) + (destination & 0xFFFF) + 6 + tcpLength;
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The kernel's header for {@link #superFrame}: partial checksum at the TCP header, TCPv4 segments of MSS. */
    static byte[] gsoHeader(int gsoType) {
        ByteBuffer b = ByteBuffer.allocate(VirtioNetHeader.LENGTH).order(ByteOrder.nativeOrder());
        b.put((byte) VirtioNetHeader.NEEDS_CSUM).put((byte) gsoType).putShort((short) 66).putShort((short) MSS)
                .putShort((short) 34).putShort((short) 16);
        return b.array();
    }

    /** Runs a frame through the path as the ring delivers it: the virtio-net header, when any, right before. */
    private static int process(PacketPath path, CapturingSink tx, byte[] frame, boolean vnetHeaders,
                               boolean partial) {
        return process(path, tx, frame, vnetHeaders ? new byte[VirtioNetHeader.LENGTH] : null, partial);
    }

    private static int process(PacketPath path, CapturingSink tx, byte[] frame, byte[] vnetHeader, boolean partial) {
        int before = vnetHeader == null ? 0 : vnetHeader.length;
        byte[] ring = new byte[before + frame.length];
        if (vnetHeader != null) {
            System.arraycopy(vnetHeader, 0, ring, 0, before);
        }
        System.arraycopy(frame, 0, ring, before, frame.length);
        return path.process(MemorySegment.ofArray(ring), before, frame.length, partial, 1_000 * SEC, tx);
    }

    // ------------------------------------------------------------------ with offload metadata

    @Test
    void aGsoSuperFrameIsForwardedWholeWithItsOffloadMetadataByDirectRouting() {
        PacketPath path = path(true, false);
        CapturingSink tx = new CapturingSink(true);
        handshake(path, tx, true);
        byte[] frame = superFrame(ACK | TcpFlyweight.PSH);
        byte[] header = gsoHeader(VirtioNetHeader.GSO_TCPV4);

        assertThat(process(path, tx, frame, header, true)).isEqualTo(PacketPath.FORWARDED);

        assertThat(tx.frames).hasSize(1);
        byte[] out = tx.last();
        assertThat(mac(out, 0)).isEqualTo(PRIMARY_MAC);
        assertThat(mac(out, 6)).isEqualTo(LB_MAC);
        assertThat(Arrays.copyOfRange(out, 12, out.length)).as("IP, TCP and the partial checksum untouched")
                .isEqualTo(Arrays.copyOfRange(frame, 12, frame.length));
        assertThat(tx.vnetHeaders.get(0)).as("the kernel segments it on the way out").isEqualTo(header);
        assertThat(path.counters().get(Counters.SUPER_FRAMES)).isEqualTo(1);
        assertThat(path.counters().get(Counters.CHECKSUMS_COMPLETED)).isZero();
    }

    @Test
    void aNatRewriteOfAPartialChecksumMovesThePseudoHeaderSumAndKeepsItPartial() {
        PacketPath path = path(true, true);
        CapturingSink tx = new CapturingSink(true);
        handshake(path, tx, true);
        byte[] header = gsoHeader(VirtioNetHeader.GSO_TCPV4);

        assertThat(process(path, tx, superFrame(ACK), header, true)).isEqualTo(PacketPath.FORWARDED);

        byte[] out = tx.last();
        assertThat(i32(out, 14 + 16)).isEqualTo(SECONDARY);
        assertThat(u16(out, 34 + 2)).isEqualTo(11112);
        assertThat(u16(out, 34 + 16)).as("the pseudo-header sum for the new destination")
                .isEqualTo(pseudoHeaderSum(CLIENT, SECONDARY, TCP_LENGTH));
        assertThat(tx.vnetHeaders.get(0)).isEqualTo(header);
        assertThat(checksumsValid(completed(out))).as("completing it as the NIC will gives a valid segment").isTrue();
        assertThat(path.counters().get(Counters.FORWARDED_NAT)).isEqualTo(3);
    }

    @Test
    void aPartialChecksumOfAnUnNattedReplyStaysPartialForItsNewSource() {
        PacketPath path = path(true, true);
        CapturingSink tx = new CapturingSink(true);
        handshake(path, tx, true);
        byte[] reply = tcp(LB_MAC, SECONDARY_MAC, SECONDARY, CLIENT, 11112, 40000, ACK, payload);
        int seed = pseudoHeaderSum(SECONDARY, CLIENT, TCP_LENGTH);
        reply[34 + 16] = (byte) (seed >>> 8);
        reply[34 + 17] = (byte) seed;

        assertThat(process(path, tx, reply, gsoHeader(VirtioNetHeader.GSO_TCPV4), true))
                .isEqualTo(PacketPath.REPLY_FORWARDED);

        byte[] out = tx.last();
        assertThat(i32(out, 14 + 12)).isEqualTo(VIP);
        assertThat(u16(out, 34)).isEqualTo(104);
        assertThat(u16(out, 34 + 16)).isEqualTo(pseudoHeaderSum(VIP, CLIENT, TCP_LENGTH));
        assertThat(checksumsValid(completed(out))).isTrue();
    }

    @Test
    void aSuperFrameWithoutSegmentationMetadataIsSegmentedInSoftware() {
        PacketPath path = path(true, false);
        CapturingSink tx = new CapturingSink(true);
        handshake(path, tx, true);
        byte[] frame = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, payload);

        assertThat(process(path, tx, frame, true, false)).isEqualTo(PacketPath.FORWARDED);

        assertSegments(tx, frame, MTU - 40, PRIMARY_MAC, VIP, 104);
        assertThat(tx.vnetHeaders).as("segments ask for no offload").allSatisfy(h -> assertThat(h).containsOnly(0));
    }

    // ------------------------------------------------------------------ without offload metadata

    @Test
    void withoutOffloadMetadataATcpSuperFrameIsSegmentedToTheMtuWithCompleteChecksums() {
        PacketPath path = path(false, false);
        CapturingSink tx = new CapturingSink();
        handshake(path, tx, false);
        byte[] frame = superFrame(ACK | TcpFlyweight.PSH | TcpFlyweight.FIN | TcpFlyweight.CWR);

        assertThat(process(path, tx, frame, false, true)).isEqualTo(PacketPath.FORWARDED);

        assertSegments(tx, frame, MTU - 40, PRIMARY_MAC, VIP, 104);
        int segments = tx.frames.size();
        assertThat(u8(tx.frames.get(0), 34 + 13)).as("CWR on the first segment only, no PSH or FIN")
                .isEqualTo(ACK | TcpFlyweight.CWR);
        assertThat(u8(tx.frames.get(1), 34 + 13)).isEqualTo(ACK);
        assertThat(u8(tx.frames.get(segments - 1), 34 + 13)).as("PSH and FIN on the last")
                .isEqualTo(ACK | TcpFlyweight.PSH | TcpFlyweight.FIN);
        assertThat(path.counters().get(Counters.SOFTWARE_SEGMENTED)).isEqualTo(1);
    }

    @Test
    void withoutOffloadMetadataANatSuperFrameIsSegmentedAndRewritten() {
        PacketPath path = path(false, true);
        CapturingSink tx = new CapturingSink();
        handshake(path, tx, false);

        assertThat(process(path, tx, superFrame(ACK), false, true)).isEqualTo(PacketPath.FORWARDED);

        assertSegments(tx, superFrame(ACK), MTU - 40, SECONDARY_MAC, SECONDARY, 11112);
    }

    @Test
    void aUdpDatagramLargerThanTheMtuWithoutMetadataIsCountedAndDropped() {
        PacketPath path = path(false, false);
        CapturingSink tx = new CapturingSink();
        VirtualService dns = VirtualService.directRouting().label("UDP").address("10.0.0.100").ports(5353)
                .protocol(io.lb4j.api.Protocol.UDP).real("PrimaryCluster", "10.0.0.110")
                .healthCheck(HealthCheck.none()).build();
        path.install(new RoutingTable(dns, 1, List.of(Backend.of(dns.realServers().get(0))), null, false, null));

        assertThat(process(path, tx, udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 5000, 5353, new byte[4000], true), false,
                false)).isEqualTo(PacketPath.DROPPED);

        assertThat(tx.frames).isEmpty();
        assertThat(path.counters().get(Counters.OVERSIZE)).isEqualTo(1);
    }

    /**
     * Checks that the captured frames are {@code original}'s segments: each within the MTU, to {@code mac}, with
     * {@code destination:port}, consecutive sequence numbers and identifications, valid checksums, and payloads that
     * put together give the original's.
     */
    private static void assertSegments(CapturingSink tx, byte[] original, int mss, long mac, int destination,
                                       int port) {
        int expected = (PAYLOAD + mss - 1) / mss;
        assertThat(tx.frames).hasSize(expected);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int sequence = i32(original, 34 + 4);
        int identification = u16(original, 14 + 4);
        for (int k = 0; k < expected; k++) {
            byte[] s = tx.frames.get(k);
            assertThat(s.length).isLessThanOrEqualTo(14 + MTU);
            assertThat(u16(s, 14 + 2)).as("IPv4 total length").isEqualTo(s.length - 14);
            assertThat(mac(s, 0)).isEqualTo(mac);
            assertThat(i32(s, 14 + 16)).isEqualTo(destination);
            assertThat(u16(s, 34 + 2)).isEqualTo(port);
            assertThat(i32(s, 34 + 4)).as("sequence of segment %d", k).isEqualTo(sequence + k * mss);
            assertThat(u16(s, 14 + 4)).isEqualTo((identification + k) & 0xFFFF);
            assertThat(checksumsValid(s)).as("checksums of segment %d", k).isTrue();
            joined.write(s, 54, s.length - 54);
        }
        assertThat(joined.toByteArray()).isEqualTo(Arrays.copyOfRange(original, 54, original.length));
    }

    /** The frame with its partial TCP checksum completed, as a NIC does: the sum over the segment from the seed. */
    private static byte[] completed(byte[] frame) {
        byte[] f = frame.clone();
        int seed = u16(f, 34 + 16);
        f[34 + 16] = 0;
        f[34 + 17] = 0;
        int sum = checksum(f, 34, f.length - 34, seed);
        f[34 + 16] = (byte) (sum >>> 8);
        f[34 + 17] = (byte) sum;
        return f;
    }

    private static int u8(byte[] b, int o) {
        return b[o] & 0xFF;
    }
}
