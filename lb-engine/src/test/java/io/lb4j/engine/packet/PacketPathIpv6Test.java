package io.lb4j.engine.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.lb4j.engine.packet.Frames.CLIENT_MAC;
import static io.lb4j.engine.packet.Frames.LB_MAC;
import static io.lb4j.engine.packet.Frames.PRIMARY_MAC;
import static io.lb4j.engine.packet.Frames.SECONDARY_MAC;
import static io.lb4j.engine.packet.Frames.CapturingSink;
import static io.lb4j.engine.packet.Frames6.*;
import static io.lb4j.engine.packet.PacketPathTest.ACK;
import static io.lb4j.engine.packet.PacketPathTest.SEC;
import static io.lb4j.engine.packet.PacketPathTest.SYN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * IPv6 on the packet path: NDP for the VIPs and the backends under the ARP path's rules, direct routing that rewrites
 * MACs only, NAT66 for a masquerading fallback with checksums that verify from scratch, extension headers walked or
 * counted and dropped, and ICMPv6 errors that reach the flow's backend.
 */
class PacketPathIpv6Test {

    static final long ATTACKER_MAC = 0x02_BA_DB_AD_BA_DBL;
    static final long VIP_SOLICITED_MAC = 0x3333_FF00_0100L;
    static final int NS = 135;
    static final int NA = 136;
    static final int SOLICITED = 0x4000_0000;
    static final int OVERRIDE = 0x2000_0000;

    VirtualService pacs;
    Backend primary;
    Backend secondary;
    PacketPath path;
    final CapturingSink tx = new CapturingSink();
    long now = 1_000 * SEC;

    @BeforeEach
    void setUp() {
        start(Protocol.TCP, true);
    }

    /** A DR service on [2001:db8::100] with a MASQ fallback; {@code withPrimary} false routes to the fallback. */
    void start(Protocol protocol, boolean withPrimary) {
        pacs = VirtualService.directRouting().label("PACS").address("2001:db8::100").ports(104, 80, 443)
                .protocol(protocol)
                .real("PrimaryCluster", "2001:db8::110")
                .fallback("2001:db8::120", f -> f.masquerade(true))
                .healthCheck(HealthCheck.none()).build();
        primary = Backend.of(pacs.realServers().get(0));
        secondary = Backend.of(pacs.fallback().orElseThrow());
        path = new PacketPath(LB_MAC, Frames.LB, 1500, PacketPathTest.newFlowTable(1024),
                new NeighbourTable(64, 60 * SEC, SEC));
        path.install(new RoutingTable(pacs, 1, withPrimary ? List.of(primary) : List.of(), secondary, false, null));
        path.neighbours().confirm(PRIMARY[0], PRIMARY[1], PRIMARY_MAC, now);
        path.neighbours().confirm(SECONDARY[0], SECONDARY[1], SECONDARY_MAC, now);
    }

    int process(byte[] frame) {
        return path.process(MemorySegment.ofArray(frame), 0, frame.length, false, now, tx);
    }

    long count(int counter) {
        return path.counters().get(counter);
    }

    byte[] solicitationForVip(int hopLimit) {
        return neighbourMessage(VIP_SOLICITED_MAC, CLIENT_MAC, CLIENT, solicitedNode(VIP), NS, 0, VIP, 1, CLIENT_MAC,
                hopLimit);
    }

    // ------------------------------------------------------------------ NDP

    @Test
    void answersANeighbourSolicitationForTheVipWithTheEnginesMac() {
        assertThat(process(solicitationForVip(255))).isEqualTo(PacketPath.ARP_ANSWERED);

        byte[] na = tx.last();
        assertThat(Frames.mac(na, 0)).as("to the asker's link-layer address").isEqualTo(CLIENT_MAC);
        assertThat(Frames.mac(na, 6)).isEqualTo(LB_MAC);
        assertThat(source(na)).isEqualTo(VIP);
        assertThat(destination(na)).isEqualTo(CLIENT);
        assertThat(na[14 + 7] & 0xFF).as("hop limit").isEqualTo(255);
        assertThat(na[54] & 0xFF).isEqualTo(NA);
        assertThat(Frames.i32(na, 58)).as("solicited and override, not router").isEqualTo(SOLICITED | OVERRIDE);
        assertThat(new long[] {longAt(na, 62), longAt(na, 70)}).as("target").isEqualTo(VIP);
        assertThat(na[78]).as("target link-layer address option").isEqualTo((byte) 2);
        assertThat(Frames.mac(na, 80)).isEqualTo(LB_MAC);
        assertThat(checksumValid(na)).isTrue();
        assertThat(count(Counters.NEIGHBOUR_ADVERTS_SENT)).isEqualTo(1);
    }

    @Test
    void answersADuplicateAddressProbeToAllNodes() {
        byte[] probe = neighbourMessage(VIP_SOLICITED_MAC, CLIENT_MAC, new long[2], solicitedNode(VIP), NS, 0, VIP, 0,
                0, 255);

        assertThat(process(probe)).isEqualTo(PacketPath.ARP_ANSWERED);

        assertThat(Frames.mac(tx.last(), 0)).isEqualTo(0x3333_0000_0001L);
        assertThat(destination(tx.last())).isEqualTo(ALL_NODES);
        assertThat(Frames.i32(tx.last(), 58)).as("not solicited").isEqualTo(OVERRIDE);
    }

    @Test
    void staysSilentForTheVipWhileNotAnsweringArpAsABackupOfAPair() {
        path.answerArp(false);

        assertThat(process(solicitationForVip(255))).isEqualTo(PacketPath.NOT_FOR_US);

        assertThat(tx.frames).isEmpty();
    }

    @Test
    void answersForAnOwnedAddressSuchAsAPairsFloatingGateway() {
        long[] gateway = address("2001:db8::1");
        byte[] ns = neighbourMessage(0x3333_FF00_0001L, SECONDARY_MAC, SECONDARY, solicitedNode(gateway), NS, 0,
                gateway, 1, SECONDARY_MAC, 255);
        assertThat(process(ns)).as("not owned yet").isEqualTo(PacketPath.NOT_FOR_US);

        path.ownAddresses6(new long[] {gateway[0], gateway[1]});

        assertThat(process(ns)).isEqualTo(PacketPath.ARP_ANSWERED);
        assertThat(Frames.mac(tx.last(), 0)).isEqualTo(SECONDARY_MAC);
        assertThat(source(tx.last())).isEqualTo(gateway);
    }

    @Test
    void announcesAVipWithAnUnsolicitedOverridingAdvertisementToAllNodes() {
        path.sendUnsolicitedAdvertisement(VIP[0], VIP[1], tx);

        byte[] na = tx.last();
        assertThat(Frames.mac(na, 0)).isEqualTo(0x3333_0000_0001L);
        assertThat(Frames.mac(na, 6)).isEqualTo(LB_MAC);
        assertThat(source(na)).isEqualTo(VIP);
        assertThat(destination(na)).isEqualTo(ALL_NODES);
        assertThat(na[14 + 7] & 0xFF).isEqualTo(255);
        assertThat(Frames.i32(na, 58)).as("override, not solicited").isEqualTo(OVERRIDE);
        assertThat(new long[] {longAt(na, 62), longAt(na, 70)}).isEqualTo(VIP);
        assertThat(Frames.mac(na, 80)).isEqualTo(LB_MAC);
        assertThat(checksumValid(na)).isTrue();
    }

    @Test
    void doesNotAnswerForAnAddressThatIsNotItsOwn() {
        byte[] ns = neighbourMessage(0x3333_FF00_0110L, CLIENT_MAC, CLIENT, solicitedNode(PRIMARY), NS, 0, PRIMARY, 1,
                CLIENT_MAC, 255);

        assertThat(process(ns)).isEqualTo(PacketPath.NOT_FOR_US);
        assertThat(tx.frames).isEmpty();
    }

    @Test
    void dropsNdpThatARouterForwardedOrWhoseChecksumIsWrong() {
        assertThat(process(solicitationForVip(254))).isEqualTo(PacketPath.DROPPED);
        assertThat(count(Counters.MALFORMED)).isEqualTo(1);

        byte[] corrupt = solicitationForVip(255);
        corrupt[14 + 40 + 2] ^= 0x01;
        assertThat(process(corrupt)).isEqualTo(PacketPath.DROPPED);
        assertThat(count(Counters.BAD_CHECKSUM)).isEqualTo(1);
        assertThat(tx.frames).isEmpty();
    }

    @Test
    void solicitsABackendAtItsSolicitedNodeAddressFromItsLinkLocalAddress() {
        path = new PacketPath(LB_MAC, Frames.LB, 1500, PacketPathTest.newFlowTable(64),
                new NeighbourTable(64, 60 * SEC, SEC));
        path.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));

        path.tick(now, tx);

        assertThat(tx.frames).hasSize(2);
        byte[] ns = tx.frames.get(0);
        assertThat(Frames.mac(ns, 0)).isEqualTo(0x3333_FF00_0110L);
        assertThat(Frames.mac(ns, 6)).isEqualTo(LB_MAC);
        assertThat(source(ns)).as("fe80:: + the MAC's modified EUI-64")
                .isEqualTo(address("fe80::ff:fe00:2"));
        assertThat(destination(ns)).isEqualTo(solicitedNode(PRIMARY));
        assertThat(ns[14 + 7] & 0xFF).isEqualTo(255);
        assertThat(ns[54] & 0xFF).isEqualTo(NS);
        assertThat(new long[] {longAt(ns, 62), longAt(ns, 70)}).isEqualTo(PRIMARY);
        assertThat(ns[78]).as("source link-layer address option").isEqualTo((byte) 1);
        assertThat(Frames.mac(ns, 80)).isEqualTo(LB_MAC);
        assertThat(checksumValid(ns)).isTrue();
        assertThat(count(Counters.NEIGHBOUR_SOLICITS_SENT)).isEqualTo(2);
    }

    @Test
    void learnsABackendOnlyFromTheSolicitedAnswerToItsOwnSolicitation() {
        path = new PacketPath(LB_MAC, Frames.LB, 1500, PacketPathTest.newFlowTable(64),
                new NeighbourTable(64, 60 * SEC, SEC));
        path.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
        long[] linkLocal = address("fe80::ff:fe00:2");
        byte[] unsolicited = neighbourMessage(0x3333_0000_0001L, ATTACKER_MAC, PRIMARY, ALL_NODES, NA, OVERRIDE,
                PRIMARY, 2, ATTACKER_MAC, 255);

        assertThat(process(unsolicited)).as("no entry: not asked").isEqualTo(PacketPath.NOT_FOR_US);
        path.tick(now, tx); // solicits the primary
        assertThat(process(unsolicited)).as("asked, but not answered to us").isEqualTo(PacketPath.DROPPED);
        byte[] answer = neighbourMessage(LB_MAC, PRIMARY_MAC, PRIMARY, linkLocal, NA, SOLICITED | OVERRIDE, PRIMARY,
                2, PRIMARY_MAC, 255);
        assertThat(process(answer)).isEqualTo(PacketPath.ARP_LEARNED);
        byte[] late = neighbourMessage(LB_MAC, ATTACKER_MAC, PRIMARY, linkLocal, NA, SOLICITED | OVERRIDE, PRIMARY,
                2, ATTACKER_MAC, 255);
        assertThat(process(late)).as("the request is answered already").isEqualTo(PacketPath.DROPPED);
        byte[] solicitation = neighbourMessage(VIP_SOLICITED_MAC, ATTACKER_MAC, PRIMARY, solicitedNode(VIP), NS, 0,
                VIP, 1, ATTACKER_MAC, 255);
        process(solicitation); // a solicitation teaches nothing either

        assertThat(path.neighbours().lookup(PRIMARY[0], PRIMARY[1])).isEqualTo(PRIMARY_MAC);
        assertThat(count(Counters.ARP_UNSOLICITED)).isEqualTo(2);
    }

    @Test
    void aFullNeighbourTableRefusesANewIpv6BackendAsItRefusesAnIpv4One() {
        NeighbourTable full = new NeighbourTable(16, 60 * SEC, SEC);
        for (int i = 0; i < 16; i++) {
            full.confirm(Frames.ip("10.9.0." + (i + 1)), 0x02_00_00_00_01_00L + i, now); // all wanted now
        }
        path = new PacketPath(LB_MAC, Frames.LB, 1500, PacketPathTest.newFlowTable(64), full);
        path.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));

        path.tick(now, tx);

        assertThat(tx.frames).as("no solicitation: no entry to record it in").isEmpty();
        assertThat(count(Counters.NEIGHBOUR_TABLE_FULL)).as("the primary and the fallback").isEqualTo(2);
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0])))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(count(Counters.NEIGHBOUR_MISS)).isEqualTo(1);
        assertThat(full.lookup(Frames.ip("10.9.0.1"))).as("no entry in use was lost").isEqualTo(0x02_00_00_00_01_00L);
    }

    // ------------------------------------------------------------------ forwarding

    @Test
    void directRoutingRewritesOnlyTheMacs() {
        byte[] syn = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]);

        assertThat(process(syn)).isEqualTo(PacketPath.FORWARDED);

        byte[] out = tx.last();
        assertThat(Frames.mac(out, 0)).isEqualTo(PRIMARY_MAC);
        assertThat(Frames.mac(out, 6)).isEqualTo(LB_MAC);
        assertThat(Arrays.copyOfRange(out, 12, out.length)).isEqualTo(Arrays.copyOfRange(syn, 12, syn.length));
        byte[] ack = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, "hello".getBytes());
        assertThat(process(ack)).as("the flow keeps its backend").isEqualTo(PacketPath.FORWARDED);
        assertThat(path.flows().size()).isEqualTo(1);
        assertThat(count(Counters.FORWARDED_DR)).isEqualTo(2);
    }

    @Test
    void aMidConnectionSegmentWithoutAFlowIsDropped() {
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[0])))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(count(Counters.NO_FLOW)).isEqualTo(1);
    }

    @Test
    void nat66RewritesTcpBothWaysWithChecksumsThatVerifyFromScratch() {
        start(Protocol.TCP, false);
        Random random = new Random(42);
        for (int k = 0; k < 200; k++) {
            int clientPort = 1024 + random.nextInt(60000);
            byte[] payload = new byte[random.nextInt(300)];
            random.nextBytes(payload);
            long[] client = {CLIENT[0], random.nextLong()};

            assertThat(process(tcp(LB_MAC, CLIENT_MAC, client, VIP, clientPort, 443, SYN, payload)))
                    .isEqualTo(PacketPath.FORWARDED);
            byte[] in = tx.last();
            assertThat(Frames.mac(in, 0)).isEqualTo(SECONDARY_MAC);
            assertThat(destination(in)).isEqualTo(SECONDARY);
            assertThat(Frames.u16(in, 14 + 40 + 2)).as("port 0: the client's port").isEqualTo(443);
            assertThat(checksumValid(in)).as("request %d", k).isTrue();

            byte[] reply = tcp(LB_MAC, SECONDARY_MAC, SECONDARY, client, 443, clientPort, SYN | ACK, payload);
            assertThat(process(reply)).isEqualTo(PacketPath.REPLY_FORWARDED);
            byte[] out = tx.last();
            assertThat(Frames.mac(out, 0)).isEqualTo(CLIENT_MAC);
            assertThat(source(out)).isEqualTo(VIP);
            assertThat(checksumValid(out)).as("reply %d", k).isTrue();
        }
        assertThat(count(Counters.REPLIES_UNNATTED)).isEqualTo(200);
    }

    @Test
    void nat66RewritesUdpWithAChecksumThatIsNeverZero() {
        start(Protocol.UDP, false);
        Random random = new Random(7);
        for (int k = 0; k < 300; k++) {
            byte[] payload = new byte[1 + random.nextInt(64)];
            random.nextBytes(payload);
            int clientPort = 1024 + random.nextInt(60000);

            assertThat(process(udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, clientPort, 80, payload)))
                    .isEqualTo(PacketPath.FORWARDED);
            assertThat(checksumValid(tx.last())).as("request %d", k).isTrue();
            assertThat(process(udp(LB_MAC, SECONDARY_MAC, SECONDARY, CLIENT, 80, clientPort, payload)))
                    .isEqualTo(PacketPath.REPLY_FORWARDED);
            assertThat(checksumValid(tx.last())).as("reply %d", k).isTrue();
        }
    }

    @Test
    void aUdpDatagramWithoutAChecksumIsDroppedAsIpv6Requires() {
        start(Protocol.UDP, true);
        byte[] datagram = udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 5000, 80, new byte[] {1, 2, 3});
        datagram[14 + 40 + 6] = 0;
        datagram[14 + 40 + 7] = 0;

        assertThat(process(datagram)).isEqualTo(PacketPath.DROPPED);
        assertThat(count(Counters.BAD_CHECKSUM)).isEqualTo(1);
        assertThat(path.flows().size()).isZero();
    }

    // ------------------------------------------------------------------ extension headers

    @Test
    void walksHopByHopAndDestinationOptionsToTheTcpHeader() {
        byte[] syn = tcpSegment(CLIENT, VIP, 40000, 104, SYN, new byte[0]);
        byte[] chain = concat(extension(60, 0), extension(6, 1)); // hop-by-hop -> destination options -> TCP
        byte[] frame = frame(LB_MAC, CLIENT_MAC, CLIENT, VIP, 0, 64, chain, syn);

        assertThat(process(frame)).isEqualTo(PacketPath.FORWARDED);
        assertThat(Frames.mac(tx.last(), 0)).isEqualTo(PRIMARY_MAC);
    }

    @Test
    void fragmentsAhEspAndOverlongChainsAreCountedAndDropped() {
        byte[] syn = tcpSegment(CLIENT, VIP, 40000, 104, SYN, new byte[0]);
        byte[] fragment = new byte[8];
        fragment[0] = 6;

        assertThat(process(frame(LB_MAC, CLIENT_MAC, CLIENT, VIP, 44, 64, fragment, syn)))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(count(Counters.FRAGMENTS)).isEqualTo(1);
        assertThat(process(frame(LB_MAC, CLIENT_MAC, CLIENT, VIP, 51, 64, extension(6, 1), syn)))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(process(frame(LB_MAC, CLIENT_MAC, CLIENT, VIP, 50, 64, new byte[0], syn)))
                .isEqualTo(PacketPath.DROPPED);
        byte[] chain = new byte[0];
        for (int i = 0; i < Ipv6Flyweight.MAX_EXTENSION_HEADERS + 1; i++) {
            chain = concat(chain, extension(i == Ipv6Flyweight.MAX_EXTENSION_HEADERS ? 6 : 60, 0));
        }
        assertThat(process(frame(LB_MAC, CLIENT_MAC, CLIENT, VIP, 60, 64, chain, syn)))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(count(Counters.IPV6_EXTENSION_DROPPED)).isEqualTo(3);
        assertThat(path.flows().size()).isZero();
        assertThat(tx.frames).isEmpty();
    }

    // ------------------------------------------------------------------ ICMPv6 errors

    @Test
    void aPacketTooBigAboutADirectRoutingReplyReachesTheFlowsBackend() {
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));
        // The backend's reply, sent as the VIP straight to the client, met a smaller MTU on the way.
        byte[] reply = tcp(CLIENT_MAC, PRIMARY_MAC, VIP, CLIENT, 104, 40000, ACK, new byte[1200]);
        long[] router = address("2001:db8::1");
        byte[] tooBig = icmpError(LB_MAC, 0x02_00_00_00_00_01L, router, VIP, 2, 1280, reply);

        assertThat(process(tooBig)).isEqualTo(PacketPath.FORWARDED);

        byte[] out = tx.last();
        assertThat(Frames.mac(out, 0)).isEqualTo(PRIMARY_MAC);
        assertThat(Arrays.copyOfRange(out, 12, out.length)).isEqualTo(Arrays.copyOfRange(tooBig, 12, tooBig.length));
        assertThat(count(Counters.ICMP_ERRORS_FORWARDED)).isEqualTo(1);
    }

    @Test
    void aPacketTooBigAboutAnUnknownFlowIsLeftAlone() {
        byte[] reply = tcp(CLIENT_MAC, PRIMARY_MAC, VIP, CLIENT, 104, 40001, ACK, new byte[100]);
        byte[] tooBig = icmpError(LB_MAC, 0x02_00_00_00_00_01L, address("2001:db8::1"), VIP, 2, 1280, reply);

        assertThat(process(tooBig)).isEqualTo(PacketPath.NOT_FOR_US);
        assertThat(tx.frames).isEmpty();
    }

    @Test
    void anIcmpErrorAboutANatFlowIsTranslatedForTheFallback() {
        start(Protocol.TCP, false);
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 443, SYN, new byte[0]));
        byte[] unNatted = tcp(CLIENT_MAC, LB_MAC, VIP, CLIENT, 443, 40000, ACK, new byte[100]);
        byte[] error = icmpError(LB_MAC, 0x02_00_00_00_00_01L, address("2001:db8::1"), VIP, 1, 0, unNatted);

        assertThat(process(error)).isEqualTo(PacketPath.FORWARDED);

        byte[] out = tx.last();
        assertThat(Frames.mac(out, 0)).isEqualTo(SECONDARY_MAC);
        assertThat(destination(out)).isEqualTo(SECONDARY);
        assertThat(new long[] {longAt(out, 14 + 48 + 8), longAt(out, 14 + 48 + 16)}).as("embedded source")
                .isEqualTo(SECONDARY);
        assertThat(checksumValid(out)).isTrue();
    }

    // ------------------------------------------------------------------ offloads

    /** A client's 20,000-byte TCP super-frame over IPv6 after the handshake, as TSO/GRO leaves it. */
    private byte[] establishedSuperFrame(PacketPath p, CapturingSink sink, int vnet, byte[] payload) {
        byte[] syn = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]);
        byte[] ack = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[0]);
        for (byte[] f : new byte[][] {syn, ack}) {
            byte[] ring = new byte[vnet + f.length];
            System.arraycopy(f, 0, ring, vnet, f.length);
            assertThat(p.process(MemorySegment.ofArray(ring), vnet, f.length, false, now, sink))
                    .isEqualTo(PacketPath.FORWARDED);
        }
        sink.frames.clear();
        sink.vnetHeaders.clear();
        return tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK | TcpFlyweight.PSH, payload);
    }

    @Test
    void withoutOffloadMetadataATcpSuperFrameOverIpv6IsSegmentedWithCompleteChecksums() {
        PacketPath p = new PacketPath(LB_MAC, Frames.LB, 1500, PacketPathTest.newFlowTable(64),
                new NeighbourTable(64, 60 * SEC, SEC));
        p.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
        p.neighbours().confirm(PRIMARY[0], PRIMARY[1], PRIMARY_MAC, now);
        byte[] payload = new byte[20_000];
        new Random(3).nextBytes(payload);
        byte[] frame = establishedSuperFrame(p, tx, 0, payload);

        assertThat(p.process(MemorySegment.ofArray(frame), 0, frame.length, false, now, tx))
                .isEqualTo(PacketPath.FORWARDED);

        int mss = 1500 - 40 - 20;
        assertThat(tx.frames).hasSize((payload.length + mss - 1) / mss);
        java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
        for (byte[] segment : tx.frames) {
            assertThat(segment.length - 14).as("each segment fits the MTU").isLessThanOrEqualTo(1500);
            assertThat(Frames.u16(segment, 14 + 4)).as("payload length").isEqualTo(segment.length - 54);
            assertThat(Frames.mac(segment, 0)).isEqualTo(PRIMARY_MAC);
            assertThat(checksumValid(segment)).isTrue();
            joined.write(segment, 74, segment.length - 74);
        }
        assertThat(joined.toByteArray()).isEqualTo(payload);
        assertThat(p.counters().get(Counters.SOFTWARE_SEGMENTED)).isEqualTo(1);
    }

    @Test
    void withOffloadMetadataATcpv6SuperFrameLeavesWholeWithItsGsoType() {
        PacketPath p = new PacketPath(LB_MAC, Frames.LB, 1500, PacketPathTest.newFlowTable(64),
                new NeighbourTable(64, 60 * SEC, SEC), true);
        p.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
        p.neighbours().confirm(PRIMARY[0], PRIMARY[1], PRIMARY_MAC, now);
        CapturingSink sink = new CapturingSink(true);
        int vnet = io.lb4j.linux.VirtioNetHeader.LENGTH;
        byte[] frame = establishedSuperFrame(p, sink, vnet, new byte[20_000]);
        byte[] ring = new byte[vnet + frame.length];
        MemorySegment memory = MemorySegment.ofArray(ring);
        io.lb4j.linux.VirtioNetHeader.write(memory, 0, io.lb4j.linux.VirtioNetHeader.NEEDS_CSUM,
                io.lb4j.linux.VirtioNetHeader.GSO_TCPV6, 74, 1428, 54, 16);
        System.arraycopy(frame, 0, ring, vnet, frame.length);

        assertThat(p.process(memory, vnet, frame.length, true, now, sink)).isEqualTo(PacketPath.FORWARDED);

        assertThat(sink.frames).hasSize(1);
        assertThat(sink.frames.getFirst()).hasSize(frame.length);
        assertThat(io.lb4j.linux.VirtioNetHeader.gsoType(MemorySegment.ofArray(sink.vnetHeaders.getFirst()), 0))
                .isEqualTo(io.lb4j.linux.VirtioNetHeader.GSO_TCPV6);
        assertThat(p.counters().get(Counters.SUPER_FRAMES)).isEqualTo(1);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
