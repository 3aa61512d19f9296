package io.lb4j.engine.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.packet.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

class PacketPathTest {

    static final long SEC = TimeUnit.SECONDS.toNanos(1);
    static final int SYN = TcpFlyweight.SYN;
    static final int ACK = TcpFlyweight.ACK;

    VirtualService pacs;
    Backend primary;
    Backend secondary;
    PacketPath path;
    CapturingSink tx;
    long now = 1_000 * SEC;

    @BeforeEach
    void setUp() {
        pacs = VirtualService.directRouting().label("PACS").address("10.0.0.100").ports(104, 80, 8080)
                .real("PrimaryCluster", "10.0.0.110")
                .fallback("10.0.0.120", f -> f.masquerade(true))
                .healthCheck(HealthCheck.none()).build();
        primary = Backend.of(pacs.realServers().get(0));
        secondary = Backend.of(pacs.fallback().orElseThrow());
        path = new PacketPath(LB_MAC, LB, 1500, newFlowTable(1024), new NeighbourTable(64, 60 * SEC, SEC));
        path.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
        path.neighbours().confirm(PRIMARY, PRIMARY_MAC, now);
        path.neighbours().confirm(SECONDARY, SECONDARY_MAC, now);
        tx = new CapturingSink();
    }

    /** A flow table with the engine's default timeouts. */
    static FlowTable newFlowTable(int capacity) {
        return new FlowTable(capacity, 10 * SEC, 900 * SEC, 120 * SEC, 10 * SEC, 300 * SEC);
    }

    int process(byte[] frame) {
        return process(frame, false);
    }

    int process(byte[] frame, boolean partial) {
        return path.process(MemorySegment.ofArray(frame), 0, frame.length, partial, now, tx);
    }

    long count(int counter) {
        return path.counters().get(counter);
    }

    @Test
    void answersArpForTheVipWithItsOwnMac() {
        byte[] request = arp(1, CLIENT_MAC, CLIENT, 0, VIP, EthernetFlyweight.BROADCAST);

        assertThat(process(request)).isEqualTo(PacketPath.ARP_ANSWERED);

        byte[] reply = tx.last();
        assertThat(mac(reply, 0)).isEqualTo(CLIENT_MAC);
        assertThat(mac(reply, 6)).isEqualTo(LB_MAC);
        assertThat(u16(reply, 12)).isEqualTo(0x0806);
        assertThat(u16(reply, 14 + 6)).as("operation").isEqualTo(2);
        assertThat(mac(reply, 14 + 8)).as("sender MAC").isEqualTo(LB_MAC);
        assertThat(i32(reply, 14 + 14)).as("sender IP").isEqualTo(VIP);
        assertThat(mac(reply, 14 + 18)).isEqualTo(CLIENT_MAC);
        assertThat(i32(reply, 14 + 24)).isEqualTo(CLIENT);
        assertThat(reply).hasSize(60);
    }

    @Test
    void ignoresArpForAddressesThatAreNotAVip() {
        assertThat(process(arp(1, CLIENT_MAC, CLIENT, 0, LB, EthernetFlyweight.BROADCAST)))
                .isEqualTo(PacketPath.NOT_FOR_US);
        assertThat(tx.frames).isEmpty();
    }

    @Test
    void directRoutingRewritesOnlyTheMacs() {
        byte[] syn = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]);

        assertThat(process(syn)).isEqualTo(PacketPath.FORWARDED);

        byte[] out = tx.last();
        assertThat(mac(out, 0)).as("destination MAC = real server").isEqualTo(PRIMARY_MAC);
        assertThat(mac(out, 6)).as("source MAC = balancer, so the bridge learns nothing wrong").isEqualTo(LB_MAC);
        assertThat(java.util.Arrays.copyOfRange(out, 12, out.length))
                .isEqualTo(java.util.Arrays.copyOfRange(syn, 12, syn.length));
        assertThat(count(Counters.FORWARDED_DR)).isEqualTo(1);
    }

    @Test
    void anEstablishedFlowKeepsItsBackendWhenANewSnapshotArrives() {
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));
        // The primary goes down (not halted): the new snapshot has no real servers, the service is on its fallback.
        path.install(new RoutingTable(pacs, 2, List.of(), secondary, true, null));

        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[]{1, 2, 3}));
        assertThat(mac(tx.last(), 0)).as("old flow still to the primary").isEqualTo(PRIMARY_MAC);

        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40001, 104, SYN, new byte[0]));
        assertThat(mac(tx.last(), 0)).as("new flow to the fallback").isEqualTo(SECONDARY_MAC);
        assertThat(i32(tx.last(), 14 + 16)).isEqualTo(SECONDARY);
    }

    /**
     * Bytes per real server: IP bytes (20-byte IP and 20-byte TCP header plus payload here) each flow forwarded,
     * kept in the flow and added to its backend every 64 KiB and when the flow ends. A direct-routing flow counts only
     * what the client sent: its replies never pass the balancer. A NAT flow counts its un-NATed replies too.
     */
    @Test
    void bytesPerRealServerAreTheFlowsIpBytesAddedToTheBackendEvery64KibAndWhenTheFlowEnds() {
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));           // 40 IP bytes
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[1000]));        // 1,040
        assertThat(primary.bytesToServer()).as("kept in the flow below 64 KiB").isZero();
        for (int i = 0; i < 70; i++) {
            process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[1000]));    // 70 x 1,040
        }
        // 40 + 63 x 1,040 = 65,560 >= 65,536: added at the 63rd segment of 1,000 bytes; 8 x 1,040 still in the flow.
        assertThat(primary.bytesToServer()).isEqualTo(40 + 63 * 1040);
        assertThat(path.expire(path.serviceId("PACS"), "PrimaryCluster")).isEqualTo(1);
        assertThat(primary.bytesToServer()).as("all of it once the flow ended").isEqualTo(40 + 71 * 1040);
        assertThat(primary.bytesToClient()).as("direct routing: replies bypass the balancer").isZero();

        path.install(new RoutingTable(pacs, 2, List.of(), secondary, true, null)); // the MASQ fallback
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40001, 104, SYN, new byte[0]));
        process(tcp(LB_MAC, SECONDARY_MAC, SECONDARY, CLIENT, 104, 40001, SYN | ACK, new byte[500]));
        assertThat(path.expire(path.serviceId("PACS"), "fallback")).isEqualTo(1);
        assertThat(secondary.bytesToServer()).isEqualTo(40);
        assertThat(secondary.bytesToClient()).as("NAT: the un-NATed reply").isEqualTo(540);
    }

    /**
     * Two balancers of a cluster with the same Maglev service: a connection that began on one and that ECMP moves to
     * the other (the first died) carries on there to the same real server, though the second never saw its SYN.
     */
    @Test
    void aMaglevServiceAdoptsAMidConnectionSegmentAndSendsItWhereItsConnectionBegan() {
        VirtualService cluster = VirtualService.directRouting().label("PACS").address("10.0.0.100").ports(104)
                .scheduler(io.lb4j.api.Scheduler.maglev())
                .real("a", "10.0.0.110").real("b", "10.0.0.120").healthCheck(HealthCheck.none()).build();
        PacketPath first = maglevNode(cluster);
        PacketPath second = maglevNode(cluster);
        java.util.Map<Long, Integer> servers = new java.util.HashMap<>();
        for (int client = 1; client <= 16; client++) {
            int address = CLIENT + client;
            byte[] syn = tcp(LB_MAC, CLIENT_MAC, address, VIP, 40000, 104, SYN, new byte[0]);
            assertThat(first.process(MemorySegment.ofArray(syn), 0, syn.length, false, now, tx))
                    .isEqualTo(PacketPath.FORWARDED);
            long began = mac(tx.last(), 0);
            servers.merge(began, 1, Integer::sum);

            byte[] data = tcp(LB_MAC, CLIENT_MAC, address, VIP, 40000, 104, ACK, new byte[]{1, 2, 3});
            assertThat(second.process(MemorySegment.ofArray(data), 0, data.length, false, now, tx))
                    .isEqualTo(PacketPath.FORWARDED);
            assertThat(mac(tx.last(), 0)).as("client " + client + " on the second balancer").isEqualTo(began);
        }
        assertThat(servers).as("both servers get connections").containsOnlyKeys(PRIMARY_MAC, SECONDARY_MAC);
        assertThat(second.flows().size()).isEqualTo(16);

        // An RST or a SYN+ACK of an unknown connection opens nothing, Maglev or not.
        byte[] rst = tcp(LB_MAC, CLIENT_MAC, CLIENT + 99, VIP, 40000, 104, TcpFlyweight.RST | ACK, new byte[0]);
        assertThat(second.process(MemorySegment.ofArray(rst), 0, rst.length, false, now, tx))
                .isEqualTo(PacketPath.DROPPED);
        byte[] synAck = tcp(LB_MAC, CLIENT_MAC, CLIENT + 99, VIP, 40000, 104, SYN | ACK, new byte[0]);
        assertThat(second.process(MemorySegment.ofArray(synAck), 0, synAck.length, false, now, tx))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(second.flows().size()).isEqualTo(16);
    }

    private PacketPath maglevNode(VirtualService service) {
        PacketPath p = new PacketPath(LB_MAC, LB, 1500, newFlowTable(1024), new NeighbourTable(64, 60 * SEC, SEC));
        p.install(new RoutingTable(service, 1, service.realServers().stream().map(Backend::of).toList(), null,
                false, null));
        p.neighbours().confirm(PRIMARY, PRIMARY_MAC, now);
        p.neighbours().confirm(SECONDARY, SECONDARY_MAC, now);
        return p;
    }

    @Test
    void haltExpiresTheBackendsFlowsAndReleasesTheirSlots() {
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[0]));
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40001, 80, SYN, new byte[0]));
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40001, 80, ACK, new byte[0]));
        assertThat(primary.activeConnections()).isEqualTo(2);

        path.install(new RoutingTable(pacs, 2, List.of(), secondary, true, null));
        assertThat(path.expire(path.serviceId("PACS"), "PrimaryCluster")).isEqualTo(2);

        assertThat(primary.activeConnections()).isZero();
        assertThat(path.flows().size()).isZero();
        // The old connection's next segment has no flow: dropped, so the client gives up and reconnects.
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[0])))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(count(Counters.NO_FLOW)).isEqualTo(1);
        // Reconnecting reaches the fallback through NAT.
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40002, 104, SYN, new byte[0]));
        assertThat(i32(tx.last(), 14 + 16)).isEqualTo(SECONDARY);
        process(tcp(LB_MAC, SECONDARY_MAC, SECONDARY, CLIENT, 104, 40002, SYN | ACK, new byte[0]));
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40002, 104, ACK, new byte[0]));
        assertThat(secondary.activeConnections()).isEqualTo(1);
    }

    /**
     * {@code onDown: close} on the packet engine is the same expiry as Halt, after a snapshot without the server: a
     * UDP flow's next datagram then starts a new flow that the current table balances (to the fallback here), as
     * IPVS's {@code expire_nodest_conn} does; a TCP flow's next segment is dropped (above).
     */
    @Test
    void aUdpFlowToAServerMarkedDownAndExpiredIsBalancedAfreshByItsNextDatagram() {
        VirtualService dns = VirtualService.directRouting().label("SYSLOG").address("10.0.0.100").ports(514)
                .protocol(Protocol.UDP).real("PrimaryCluster", "10.0.0.110")
                .fallback("10.0.0.120", f -> f.masquerade(true)).healthCheck(HealthCheck.none()).build();
        Backend p = Backend.of(dns.realServers().get(0));
        Backend fb = Backend.of(dns.fallback().orElseThrow());
        path.install(new RoutingTable(dns, 1, List.of(p), fb, false, null));
        process(udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 5000, 514, new byte[]{1}, true));
        assertThat(mac(tx.last(), 0)).isEqualTo(PRIMARY_MAC);

        // The primary is marked down: a snapshot without it, then its flows are expired.
        path.install(new RoutingTable(dns, 2, List.of(), fb, true, null));
        process(udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 5000, 514, new byte[]{2}, true));
        assertThat(mac(tx.last(), 0)).as("before the expiry the flow keeps its server").isEqualTo(PRIMARY_MAC);
        assertThat(path.expire(path.serviceId("SYSLOG"), "PrimaryCluster")).isEqualTo(1);
        assertThat(p.activeConnections()).isZero();

        assertThat(process(udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 5000, 514, new byte[]{3}, true)))
                .isEqualTo(PacketPath.FORWARDED);
        assertThat(i32(tx.last(), 14 + 16)).as("the same flow, balanced anew").isEqualTo(SECONDARY);
        assertThat(fb.activeConnections()).isEqualTo(1);
    }

    @Test
    void natToAFallbackOnPortZeroKeepsTheClientsPortAndLeavesValidChecksums() {
        path.install(new RoutingTable(pacs, 2, List.of(), secondary, true, null));
        byte[] syn = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 8080, SYN, new byte[]{9, 8, 7});

        assertThat(process(syn)).isEqualTo(PacketPath.FORWARDED);

        byte[] out = tx.last();
        assertThat(mac(out, 0)).isEqualTo(SECONDARY_MAC);
        assertThat(mac(out, 6)).isEqualTo(LB_MAC);
        assertThat(i32(out, 14 + 12)).as("source untouched").isEqualTo(CLIENT);
        assertThat(i32(out, 14 + 16)).as("destination = fallback").isEqualTo(SECONDARY);
        assertThat(u16(out, 34 + 2)).as("port 0 = the client's port").isEqualTo(8080);
        assertThat(checksumsValid(out)).isTrue();
        assertThat(count(Counters.FORWARDED_NAT)).isEqualTo(1);
    }

    @Test
    void natRepliesAreUnNattedBackToTheVipAndTheClientsMac() {
        path.install(new RoutingTable(pacs, 2, List.of(), secondary, true, null));
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));

        byte[] synAck = tcp(LB_MAC, SECONDARY_MAC, SECONDARY, CLIENT, 104, 40000, SYN | ACK, new byte[]{5});
        assertThat(process(synAck)).isEqualTo(PacketPath.REPLY_FORWARDED);

        byte[] out = tx.last();
        assertThat(mac(out, 0)).isEqualTo(CLIENT_MAC);
        assertThat(mac(out, 6)).isEqualTo(LB_MAC);
        assertThat(i32(out, 14 + 12)).as("source = VIP").isEqualTo(VIP);
        assertThat(u16(out, 34)).as("source port = VIP port").isEqualTo(104);
        assertThat(i32(out, 14 + 16)).isEqualTo(CLIENT);
        assertThat(checksumsValid(out)).isTrue();
    }

    @Test
    void aFallbackWithItsOwnPortRemapsAndUnmapsIt() {
        VirtualService remapped = pacs.toBuilder().fallback("10.0.0.120", f -> f.masquerade(true).port(11104)).build();
        Backend fb = Backend.of(remapped.fallback().orElseThrow());
        path.install(new RoutingTable(remapped, 2, List.of(), fb, true, null));

        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));
        assertThat(u16(tx.last(), 34 + 2)).isEqualTo(11104);
        assertThat(checksumsValid(tx.last())).isTrue();

        process(tcp(LB_MAC, SECONDARY_MAC, SECONDARY, CLIENT, 11104, 40000, SYN | ACK, new byte[0]));
        assertThat(u16(tx.last(), 34)).isEqualTo(104);
        assertThat(checksumsValid(tx.last())).isTrue();
    }

    @Test
    void udpNatKeepsAbsentChecksumsAbsentAndFixesPresentOnes() {
        VirtualService dns = VirtualService.directRouting().label("DNS").address("10.0.0.100").ports(53)
                .protocol(Protocol.UDP).real("PrimaryCluster", "10.0.0.110")
                .fallback("10.0.0.120", f -> f.masquerade(true)).healthCheck(HealthCheck.none()).build();
        Backend fb = Backend.of(dns.fallback().orElseThrow());
        path.install(new RoutingTable(dns, 1, List.of(), fb, true, null));

        process(udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 5000, 53, new byte[]{1, 2, 3}, false));
        assertThat(u16(tx.last(), 34 + 6)).as("no checksum stays none").isZero();
        assertThat(checksumsValid(tx.last())).isTrue();

        process(udp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 5001, 53, new byte[]{1, 2, 3, 4, 5}, true));
        assertThat(u16(tx.last(), 34 + 6)).isNotZero();
        assertThat(checksumsValid(tx.last())).isTrue();
        assertThat(fb.activeConnections()).isEqualTo(2);
    }

    @Test
    void offloadedPartialChecksumsAreCompletedOnForward() {
        byte[] syn = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[]{1, 2, 3, 4, 5});
        syn[34 + 16] = 0x12; // what a sender with checksum offload leaves: not the real checksum
        syn[34 + 17] = 0x34;

        process(syn, true);

        assertThat(checksumsValid(tx.last())).isTrue();
        assertThat(count(Counters.CHECKSUMS_COMPLETED)).isEqualTo(1);
    }

    @Test
    void segmentsOfUnknownFlowsAreDroppedNotScheduled() {
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[0])))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN | ACK, new byte[0])))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(primary.totalConnections()).isZero();
        assertThat(count(Counters.NO_FLOW)).isEqualTo(2);
    }

    @Test
    void framesForOtherPortsAddressesAndMacsAreLeftToTheHost() {
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 22, SYN, new byte[0])))
                .isEqualTo(PacketPath.NOT_FOR_US);
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, LB, 40000, 104, SYN, new byte[0])))
                .isEqualTo(PacketPath.NOT_FOR_US);
        assertThat(process(tcp(PRIMARY_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0])))
                .isEqualTo(PacketPath.NOT_FOR_US);
        assertThat(tx.frames).isEmpty();
    }

    @Test
    void anUnresolvedBackendIsResolvedByArpWhileTheClientRetransmits() {
        path = new PacketPath(LB_MAC, LB, 1500, newFlowTable(16), new NeighbourTable(64, 60 * SEC, SEC));
        path.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
        byte[] syn = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]);

        assertThat(process(syn)).isEqualTo(PacketPath.DROPPED);
        byte[] request = tx.last();
        assertThat(mac(request, 0)).isEqualTo(EthernetFlyweight.BROADCAST);
        assertThat(i32(request, 14 + 14)).as("asks from the balancer's own address").isEqualTo(LB);
        assertThat(i32(request, 14 + 24)).isEqualTo(PRIMARY);
        assertThat(primary.activeConnections()).as("slot given back").isZero();

        assertThat(process(arp(2, PRIMARY_MAC, PRIMARY, LB_MAC, LB, LB_MAC))).isEqualTo(PacketPath.ARP_LEARNED);
        assertThat(process(syn)).isEqualTo(PacketPath.FORWARDED);
        assertThat(mac(tx.last(), 0)).isEqualTo(PRIMARY_MAC);
    }

    @Test
    void tickResolvesEveryBackendOfEveryService() {
        path = new PacketPath(LB_MAC, LB, 1500, newFlowTable(16), new NeighbourTable(64, 60 * SEC, SEC));
        path.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));

        path.tick(now, tx);

        assertThat(tx.frames).extracting(f -> i32(f, 14 + 24)).containsExactly(PRIMARY, SECONDARY);
        path.tick(now + 1, tx);
        assertThat(tx.frames).as("no second request within the retry interval").hasSize(2);
    }

    @Test
    void flowsTimeOutByTcpStateAndGiveTheirSlotBack() {
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));   // SYN: 10 s
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40001, 104, SYN, new byte[0]));
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40001, 104, ACK, new byte[0]));   // established: 900 s
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40002, 104, SYN, new byte[0]));
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40002, 104, ACK, new byte[0]));
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40002, 104, ACK | TcpFlyweight.FIN, new byte[0])); // FIN: 120 s
        assertThat(primary.activeConnections()).as("only the established flow is active").isEqualTo(1);
        assertThat(path.flows().size()).isEqualTo(3);

        now += 11 * SEC;
        path.tick(now, tx);
        assertThat(path.flows().size()).as("half-open flow gone after 10 s").isEqualTo(2);
        now += 110 * SEC;
        path.tick(now, tx);
        assertThat(path.flows().size()).as("closing flow gone after 120 s").isEqualTo(1);
        assertThat(primary.activeConnections()).isEqualTo(1);
        now += 800 * SEC;
        path.tick(now, tx);
        assertThat(primary.activeConnections()).as("established flow gone after 900 s").isZero();
        assertThat(path.flows().size()).isZero();
        assertThat(count(Counters.FLOWS_EXPIRED)).isEqualTo(3);
    }

    @Test
    void aNewSynOnAClosingFlowIsScheduledAfresh() {
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, TcpFlyweight.RST, new byte[0]));
        path.install(new RoutingTable(pacs, 2, List.of(), secondary, true, null));

        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));

        assertThat(i32(tx.last(), 14 + 16)).isEqualTo(SECONDARY);
        assertThat(path.flows().size()).as("the closing flow made way for the new one").isEqualTo(1);
        assertThat(secondary.totalConnections()).as("scheduled by the new snapshot").isEqualTo(1);
    }

    @Test
    void aFullTableEvictsAndCountsIt() {
        path = new PacketPath(LB_MAC, LB, 1500, newFlowTable(4), new NeighbourTable(64, 60 * SEC, SEC));
        path.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
        path.neighbours().confirm(PRIMARY, PRIMARY_MAC, now);
        for (int port = 40000; port < 40006; port++) {
            assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, port, 104, SYN, new byte[0])))
                    .isEqualTo(PacketPath.FORWARDED);
        }
        assertThat(path.flows().size()).isEqualTo(4);
        assertThat(count(Counters.FLOWS_EVICTED)).isEqualTo(2);
        assertThat(count(Counters.FLOWS_EVICTED_HALF_OPEN)).isEqualTo(2);
        assertThat(count(Counters.FLOWS_EVICTED_ACTIVE)).isZero();
        assertThat(primary.activeConnections()).as("half-open flows hold no slot").isZero();
        assertThat(path.flows().verify()).isNull();
    }

    @Test
    void uninstallStopsMatchingAndPurgeReleasesFlows() {
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));
        int id = path.uninstall("PACS");

        assertThat(path.purge(id)).isEqualTo(1);
        assertThat(primary.activeConnections()).isZero();
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40001, 104, SYN, new byte[0])))
                .isEqualTo(PacketPath.NOT_FOR_US);
        assertThat(process(arp(1, CLIENT_MAC, CLIENT, 0, VIP, EthernetFlyweight.BROADCAST)))
                .isEqualTo(PacketPath.NOT_FOR_US);
    }

    @Test
    void vlanTaggedFramesAreForwardedWithTheirTags() {
        byte[] syn = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0], new byte[0],
                new int[]{0x8100, 42});

        assertThat(process(syn)).isEqualTo(PacketPath.FORWARDED);
        assertThat(u16(tx.last(), 12)).isEqualTo(0x8100);
        assertThat(u16(tx.last(), 14) & 0xFFF).isEqualTo(42);
    }

    @Test
    void ipv4OptionsMoveTheTransportHeader() {
        path.install(new RoutingTable(pacs, 2, List.of(), secondary, true, null));
        byte[] syn = tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[]{1}, new byte[]{1, 1, 1, 0},
                new int[0]);

        assertThat(process(syn)).isEqualTo(PacketPath.FORWARDED);
        assertThat(u16(tx.last(), 38 + 2)).isEqualTo(104);
        assertThat(checksumsValid(tx.last())).isTrue();
    }

    @Test
    void aStoppingEngineTakesNoNewFlowsButKeepsOldOnes() {
        process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0]));
        path.acceptNewFlows(false);

        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, ACK, new byte[0])))
                .isEqualTo(PacketPath.FORWARDED);
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40001, 104, SYN, new byte[0])))
                .isEqualTo(PacketPath.DROPPED);
    }
}
