package io.lb4j.engine.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;

import static io.lb4j.engine.packet.Frames.*;
import static io.lb4j.engine.packet.PacketPathTest.SEC;
import static io.lb4j.engine.packet.PacketPathTest.SYN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * ARP from the wire cannot teach the engine a backend's MAC: only replies to its own requests do, and static
 * neighbours never change. A spoofer on the link therefore cannot redirect new flows.
 */
class PacketPathArpTest {

    static final long ATTACKER_MAC = 0x02_BA_DB_AD_BA_DBL;
    static final int REPLY = 2;
    static final long REACHABLE = 60 * SEC;

    VirtualService pacs;
    Backend primary;
    Backend secondary;
    PacketPath path;
    final CapturingSink tx = new CapturingSink();
    long now = 1_000 * SEC;
    int clientPort = 40000;

    @BeforeEach
    void setUp() {
        pacs = VirtualService.directRouting().label("PACS").address("10.0.0.100").ports(104)
                .real("PrimaryCluster", "10.0.0.110")
                .fallback("10.0.0.120", f -> f.masquerade(true))
                .healthCheck(HealthCheck.none()).build();
        primary = Backend.of(pacs.realServers().get(0));
        secondary = Backend.of(pacs.fallback().orElseThrow());
        start(new NeighbourTable(64, REACHABLE, SEC));
        path.neighbours().confirm(PRIMARY, PRIMARY_MAC, now);
        path.neighbours().confirm(SECONDARY, SECONDARY_MAC, now);
    }

    void start(NeighbourTable neighbours) {
        path = new PacketPath(LB_MAC, LB, 1518, PacketPathTest.newFlowTable(1024), neighbours);
        path.install(new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
    }

    int process(byte[] frame) {
        return path.process(MemorySegment.ofArray(frame), 0, frame.length, false, now, tx);
    }

    /** The destination MAC a new client connection is forwarded to. */
    long newFlowGoesTo() {
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, clientPort++, 104, SYN, new byte[0])))
                .isEqualTo(PacketPath.FORWARDED);
        return mac(tx.last(), 0);
    }

    long count(int counter) {
        return path.counters().get(counter);
    }

    @Test
    void aRequestFromAForeignMacClaimingABackendDoesNotRedirectItsFlows() {
        byte[] request = arp(1, ATTACKER_MAC, PRIMARY, 0, VIP, EthernetFlyweight.BROADCAST); // who-has VIP tell .110

        assertThat(process(request)).as("a VIP request is still answered").isEqualTo(PacketPath.ARP_ANSWERED);

        assertThat(path.neighbours().lookup(PRIMARY)).isEqualTo(PRIMARY_MAC);
        assertThat(newFlowGoesTo()).isEqualTo(PRIMARY_MAC);
    }

    @Test
    void anUnsolicitedReplyForABackendIsIgnoredAndCounted() {
        byte[] reply = arp(2, ATTACKER_MAC, PRIMARY, LB_MAC, LB, LB_MAC);

        assertThat(process(reply)).isEqualTo(PacketPath.DROPPED);

        assertThat(count(Counters.ARP_UNSOLICITED)).isEqualTo(1);
        assertThat(path.neighbours().lookup(PRIMARY)).isEqualTo(PRIMARY_MAC);
        assertThat(newFlowGoesTo()).isEqualTo(PRIMARY_MAC);
    }

    @Test
    void aReplyToTheEnginesOwnRequestIsLearnedAndTheStaleMacServesUntilThen() {
        long movedMac = 0x02_00_00_00_01_6EL; // the server's new NIC
        now += REACHABLE;
        path.tick(now, tx);
        assertThat(tx.frames).extracting(f -> i32(f, 14 + 24)).as("refresh requests")
                .containsExactly(PRIMARY, SECONDARY);
        assertThat(newFlowGoesTo()).as("stale, still in use").isEqualTo(PRIMARY_MAC);

        assertThat(process(arp(2, movedMac, PRIMARY, LB_MAC, LB, LB_MAC))).isEqualTo(PacketPath.ARP_LEARNED);

        assertThat(newFlowGoesTo()).isEqualTo(movedMac);
        assertThat(process(arp(2, ATTACKER_MAC, PRIMARY, LB_MAC, LB, LB_MAC))).as("a second answer")
                .isEqualTo(PacketPath.DROPPED);
        assertThat(newFlowGoesTo()).isEqualTo(movedMac);
    }

    @Test
    void aFloodOfRandomArpLeavesEveryBackendEntryIntact() {
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 10_000; i++) {
            int op = 1 + random.nextInt(2);
            // Every tenth frame claims a backend's address; the rest come from random addresses and MACs.
            int sender = i % 10 == 0 ? (i % 20 == 0 ? PRIMARY : SECONDARY) : random.nextInt();
            long senderMac = random.nextLong() & 0xFEFF_FFFF_FFFFL; // unicast
            int target = random.nextInt(3) == 0 ? VIP : random.nextInt();
            long destination = op == REPLY ? LB_MAC : EthernetFlyweight.BROADCAST;
            process(arp(op, senderMac, sender, op == REPLY ? LB_MAC : 0, target, destination));
            now += 1_000;
        }

        assertThat(path.neighbours().size()).as("no entry created").isEqualTo(2);
        assertThat(path.neighbours().lookup(PRIMARY)).isEqualTo(PRIMARY_MAC);
        assertThat(path.neighbours().lookup(SECONDARY)).isEqualTo(SECONDARY_MAC);
        assertThat(newFlowGoesTo()).isEqualTo(PRIMARY_MAC);
        assertThat(count(Counters.ARP_UNSOLICITED)).as("replies claiming a backend").isPositive();
    }

    @Test
    void staticNeighboursAreUsedWithoutArpAndNeverOverwritten() {
        NeighbourTable neighbours = new NeighbourTable(64, REACHABLE, SEC);
        neighbours.putStatic(PRIMARY, PRIMARY_MAC);
        neighbours.putStatic(SECONDARY, SECONDARY_MAC);
        start(neighbours);

        path.tick(now, tx);
        assertThat(newFlowGoesTo()).isEqualTo(PRIMARY_MAC);
        process(arp(2, ATTACKER_MAC, PRIMARY, LB_MAC, LB, LB_MAC));
        process(arp(1, ATTACKER_MAC, PRIMARY, 0, VIP, EthernetFlyweight.BROADCAST));
        now += 100 * REACHABLE;
        path.tick(now, tx);

        assertThat(count(Counters.ARP_REQUESTS_SENT)).isZero();
        assertThat(newFlowGoesTo()).isEqualTo(PRIMARY_MAC);
    }

    @Test
    void aBackendThatFindsTheNeighbourTableFullIsCountedAndEvictsNoEntryInUse() {
        NeighbourTable full = new NeighbourTable(16, REACHABLE, SEC);
        for (int i = 0; i < 16; i++) {
            full.putStatic(ip("10.0.1.0") + i, 0x02_00_00_00_02_00L + i);
        }
        start(full);

        path.tick(now, tx);

        assertThat(count(Counters.NEIGHBOUR_TABLE_FULL)).isEqualTo(2);
        assertThat(tx.frames).as("no request for an address that has no entry").isEmpty();
        assertThat(process(tcp(LB_MAC, CLIENT_MAC, CLIENT, VIP, 40000, 104, SYN, new byte[0])))
                .isEqualTo(PacketPath.DROPPED);
        assertThat(count(Counters.NEIGHBOUR_MISS)).isEqualTo(1);
        assertThat(full.lookup(ip("10.0.1.0"))).isEqualTo(0x02_00_00_00_02_00L);
    }
}
