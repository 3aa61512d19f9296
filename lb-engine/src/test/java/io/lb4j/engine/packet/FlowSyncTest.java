package io.lb4j.engine.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.engine.packet.ha.FlowUpdate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.packet.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Flow-state sync between two packet paths, the master's and the backup's, each with its own configuration objects
 * (as two nodes have): what the master journals, what the backup makes of it, and that an established connection
 * then continues on the backup to the same real server, where without sync it would be dropped.
 */
class FlowSyncTest {

    static final long SEC = TimeUnit.SECONDS.toNanos(1);
    static final int SYN = TcpFlyweight.SYN;
    static final int ACK = TcpFlyweight.ACK;
    static final int FIN = TcpFlyweight.FIN;
    static final int SECOND_REAL = ip("10.0.0.111");
    static final long SECOND_REAL_MAC = 0x02_00_00_00_00_6FL;
    static final long BACKUP_MAC = 0x02_00_00_00_00_03L;

    Node master;
    Node backup;
    long now = 1_000 * SEC;

    /** One balancer: its own service spec, backends and packet path. */
    static final class Node {
        final VirtualService spec = VirtualService.directRouting().label("PACS").address("10.0.0.100")
                .ports(104, 80).scheduler(Scheduler.roundRobin())
                .real("A", "10.0.0.110").real("B", "10.0.0.111")
                .fallback("10.0.0.120", f -> f.masquerade(true))
                .healthCheck(HealthCheck.none()).build();
        final Backend a = Backend.of(spec.realServers().get(0));
        final Backend b = Backend.of(spec.realServers().get(1));
        final Backend fallback = Backend.of(spec.fallback().orElseThrow());
        final PacketPath path;
        final CapturingSink tx = new CapturingSink();
        final long mac;

        Node(long mac, long now, boolean resolveSecondReal) {
            this.mac = mac;
            FlowTable flows = new FlowTable(1024, 60 * SEC, 900 * SEC, 120 * SEC, 10 * SEC, 300 * SEC);
            flows.journal(new FlowJournal(64));
            path = new PacketPath(mac, LB, 1500, flows, new NeighbourTable(64, 60 * SEC, SEC));
            path.install(new RoutingTable(spec, 1, List.of(a, b), fallback, false, null));
            path.neighbours().confirm(PRIMARY, PRIMARY_MAC, now);
            if (resolveSecondReal) {
                path.neighbours().confirm(SECOND_REAL, SECOND_REAL_MAC, now);
            }
            path.neighbours().confirm(SECONDARY, SECONDARY_MAC, now);
        }

        int process(byte[] frame, long now) {
            return path.process(MemorySegment.ofArray(frame), 0, frame.length, false, now, tx);
        }

        byte[] segment(int clientPort, int flags) {
            return tcp(mac, CLIENT_MAC, CLIENT, VIP, clientPort, 104, flags, new byte[]{1, 2, 3});
        }

        List<FlowUpdate> poll() {
            List<FlowUpdate> out = new ArrayList<>();
            path.pollUpdates(100, out);
            return out;
        }
    }

    @BeforeEach
    void setUp() {
        master = new Node(LB_MAC, now, true);
        backup = new Node(BACKUP_MAC, now, true);
    }

    void syncAll() {
        for (FlowUpdate u : master.poll()) {
            backup.path.applySynced(u, now);
        }
    }

    @Test
    void anEstablishedConnectionContinuesOnTheBackupToTheSameRealServer() {
        // Round robin: the first connection goes to A, the second to B, on the master.
        master.process(master.segment(40000, SYN), now);
        master.process(master.segment(40001, SYN), now);
        master.process(master.segment(40001, ACK), now);
        assertThat(mac(master.tx.last(), 0)).isEqualTo(SECOND_REAL_MAC);

        List<FlowUpdate> updates = master.poll();
        assertThat(updates).extracting(FlowUpdate::kind, FlowUpdate::clientPort, FlowUpdate::state)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(FlowUpdate.Kind.UPSERT, 40000, FlowUpdate.State.SYN),
                        org.assertj.core.groups.Tuple.tuple(FlowUpdate.Kind.UPSERT, 40001, FlowUpdate.State.SYN),
                        org.assertj.core.groups.Tuple.tuple(FlowUpdate.Kind.UPSERT, 40001,
                                FlowUpdate.State.ESTABLISHED));
        assertThat(updates.get(2).backend()).isEqualTo(SECOND_REAL);
        assertThat(updates.get(2).service()).isEqualTo("PACS");
        for (FlowUpdate u : updates) {
            assertThat(backup.path.applySynced(u, now)).isTrue();
        }
        assertThat(backup.poll()).as("imports are not sent back").isEmpty();

        // Takeover: the client's next segment reaches the backup (its MAC, after the gratuitous ARP).
        now += 2 * SEC;
        assertThat(backup.process(backup.segment(40001, ACK), now)).isEqualTo(PacketPath.FORWARDED);
        assertThat(mac(backup.tx.last(), 0)).as("same real server as on the master").isEqualTo(SECOND_REAL_MAC);
        assertThat(mac(backup.tx.last(), 6)).isEqualTo(BACKUP_MAC);
        assertThat(backup.b.activeConnections()).as("the synced flow holds B's slot on the backup").isEqualTo(1);
        assertThat(backup.path.counters().get(Counters.SYNC_APPLIED)).isEqualTo(3);
    }

    @Test
    void withoutSyncTheBackupDropsTheEstablishedConnection() {
        master.process(master.segment(40001, SYN), now);
        master.process(master.segment(40001, ACK), now);

        assertThat(backup.process(backup.segment(40001, ACK), now)).isEqualTo(PacketPath.DROPPED);
        assertThat(backup.path.counters().get(Counters.NO_FLOW)).isEqualTo(1);
    }

    @Test
    void aLiveFlowIsSentAgainOnceHalfItsTimeoutHasPassedSoTheBackupsCopyNeverExpires() {
        master.process(master.segment(40000, SYN), now);
        master.process(master.segment(40000, ACK), now);
        syncAll();

        now += 449 * SEC;
        master.process(master.segment(40000, ACK), now);
        assertThat(master.poll()).as("less than half of 900 s since the last sync").isEmpty();

        now += SEC;
        master.process(master.segment(40000, ACK), now);
        List<FlowUpdate> refresh = master.poll();
        assertThat(refresh).singleElement().satisfies(u -> {
            assertThat(u.kind()).isEqualTo(FlowUpdate.Kind.UPSERT);
            assertThat(u.state()).isEqualTo(FlowUpdate.State.ESTABLISHED);
        });
        refresh.forEach(u -> backup.path.applySynced(u, now));

        // 899 s after the refresh the backup still has it (imported at 450 s with the 900 s timeout).
        now += 899 * SEC;
        assertThat(backup.process(backup.segment(40000, ACK), now)).isEqualTo(PacketPath.FORWARDED);
        assertThat(mac(backup.tx.last(), 0)).isEqualTo(PRIMARY_MAC);
    }

    @Test
    void haltOnTheMasterRemovesTheFlowsOnTheBackup() {
        master.process(master.segment(40000, SYN), now);
        syncAll();
        assertThat(backup.path.flows().size()).isEqualTo(1);

        master.path.expire(master.path.serviceId("PACS"), "A");
        List<FlowUpdate> updates = master.poll();
        assertThat(updates).singleElement().extracting(FlowUpdate::kind).isEqualTo(FlowUpdate.Kind.REMOVE);
        updates.forEach(u -> backup.path.applySynced(u, now));

        assertThat(backup.path.flows().size()).isZero();
        assertThat(backup.a.activeConnections()).as("slot given back").isZero();
        assertThat(backup.poll()).as("a synced removal is not sent back").isEmpty();
    }

    @Test
    void aClosingStateReachesTheBackupAndGivesTheSlotBack() {
        master.process(master.segment(40000, SYN), now);
        master.process(master.segment(40000, ACK), now);
        syncAll();
        assertThat(backup.a.activeConnections()).isEqualTo(1);

        master.process(master.segment(40000, FIN | ACK), now);
        syncAll();

        assertThat(backup.a.activeConnections()).isZero();
        assertThat(backup.path.flows().state(0)).isEqualTo(FlowTable.STATE_FIN);
    }

    @Test
    void aReusedClientPortWhoseRemovalWasLostCountsAsAConnectionAgain() {
        master.process(master.segment(40000, SYN), now);                 // to A (round robin)
        master.process(master.segment(40001, SYN), now);                 // to B
        master.process(master.segment(40000, TcpFlyweight.RST), now);    // closed: A's slot is free
        syncAll();
        assertThat(backup.a.activeConnections()).isZero();

        master.process(master.segment(40000, SYN), now);                 // the port again, to A again
        master.process(master.segment(40000, ACK), now);                 // established: A's slot taken
        List<FlowUpdate> updates = master.poll();
        assertThat(updates).extracting(FlowUpdate::kind)
                .containsExactly(FlowUpdate.Kind.REMOVE, FlowUpdate.Kind.UPSERT, FlowUpdate.Kind.UPSERT);
        backup.path.applySynced(updates.get(1), now);                      // the removal never arrived
        backup.path.applySynced(updates.get(2), now);

        assertThat(backup.a.activeConnections()).isEqualTo(master.a.activeConnections()).isEqualTo(1);
        assertThat(backup.path.flows().verify()).isNull();
    }

    @Test
    void aStoppingEngineDoesNotTellThePeerToDropItsFlows() {
        master.process(master.segment(40000, SYN), now);
        master.poll();

        master.path.flows().clear();

        assertThat(master.poll()).isEmpty();
    }

    @Test
    void natFlowsToTheFallbackAreSyncedWithTheirReplyMapping() {
        master.path.install(new RoutingTable(master.spec, 2, List.of(), master.fallback, true, null));
        backup.path.install(new RoutingTable(backup.spec, 2, List.of(), backup.fallback, true, null));
        master.process(master.segment(40000, SYN), now);
        List<FlowUpdate> updates = master.poll();
        assertThat(updates).singleElement().satisfies(u -> {
            assertThat(u.nat()).isTrue();
            assertThat(u.backend()).isEqualTo(SECONDARY);
            assertThat(u.clientMac()).isEqualTo(CLIENT_MAC);
        });
        updates.forEach(u -> backup.path.applySynced(u, now));

        // The fallback's reply through the backup is un-NATed back to the VIP and sent to the client's MAC.
        byte[] reply = tcp(BACKUP_MAC, SECONDARY_MAC, SECONDARY, CLIENT, 104, 40000, ACK, new byte[]{4});
        assertThat(backup.process(reply, now)).isEqualTo(PacketPath.REPLY_FORWARDED);
        assertThat(i32(backup.tx.last(), 14 + 12)).isEqualTo(VIP);
        assertThat(mac(backup.tx.last(), 0)).isEqualTo(CLIENT_MAC);
        assertThat(checksumsValid(backup.tx.last())).isTrue();
    }

    @Test
    void aSyncedFlowWhoseBackendIsNotResolvedYetWaitsForTheNeighbourTable() {
        Node fresh = new Node(BACKUP_MAC, now, false);
        master.process(master.segment(40001, SYN), now);
        master.process(master.segment(40002, SYN), now);
        master.poll().forEach(u -> fresh.path.applySynced(u, now));

        assertThat(fresh.process(fresh.segment(40002, ACK), now)).as("B's MAC unknown: dropped, TCP retransmits")
                .isEqualTo(PacketPath.DROPPED);
        assertThat(fresh.path.counters().get(Counters.NEIGHBOUR_MISS)).isEqualTo(1);

        fresh.path.neighbours().confirm(SECOND_REAL, SECOND_REAL_MAC, now);
        assertThat(fresh.process(fresh.segment(40002, ACK), now)).isEqualTo(PacketPath.FORWARDED);
        assertThat(mac(fresh.tx.last(), 0)).isEqualTo(SECOND_REAL_MAC);
    }

    @Test
    void updatesForAServiceOrBackendThisNodeDoesNotHaveAreCountedAndSkipped() {
        FlowUpdate unknownService = new FlowUpdate(FlowUpdate.Kind.UPSERT, "RIS", 6, FlowUpdate.State.ESTABLISHED,
                false, CLIENT, 40000, VIP, 104, PRIMARY, 104, CLIENT_MAC);
        FlowUpdate unknownBackend = new FlowUpdate(FlowUpdate.Kind.UPSERT, "PACS", 6, FlowUpdate.State.ESTABLISHED,
                false, CLIENT, 40000, VIP, 104, ip("10.0.0.199"), 104, CLIENT_MAC);
        FlowUpdate otherPort = new FlowUpdate(FlowUpdate.Kind.UPSERT, "PACS", 6, FlowUpdate.State.ESTABLISHED,
                false, CLIENT, 40000, VIP, 443, PRIMARY, 443, CLIENT_MAC);

        assertThat(backup.path.applySynced(unknownService, now)).isFalse();
        assertThat(backup.path.applySynced(unknownBackend, now)).isFalse();
        assertThat(backup.path.applySynced(otherPort, now)).isFalse();

        assertThat(backup.path.counters().get(Counters.SYNC_REJECTED)).isEqualTo(3);
        assertThat(backup.path.flows().size()).isZero();
        assertThat(backup.path.flows().verify()).isNull();
    }

    @Test
    void aFullJournalDropsAndCountsWithoutBlockingThePacketPath() {
        for (int port = 30000; port < 30100; port++) {
            assertThat(master.process(master.segment(port, SYN), now)).isEqualTo(PacketPath.FORWARDED);
        }
        assertThat(master.path.flows().journal().dropped()).isEqualTo(100 - 64);
        assertThat(master.poll()).hasSize(64);
    }

    @Test
    void aBackupStaysSilentOnArpForTheVipUntilItTakesOverThenAnnouncesItself() {
        backup.path.answerArp(false);
        byte[] request = arp(1, CLIENT_MAC, CLIENT, 0, VIP, EthernetFlyweight.BROADCAST);
        assertThat(backup.process(request, now)).isEqualTo(PacketPath.NOT_FOR_US);
        assertThat(backup.tx.frames).isEmpty();

        backup.path.answerArp(true);
        backup.path.sendGratuitousArp(VIP, backup.tx);
        byte[] garp = backup.tx.last();
        assertThat(mac(garp, 0)).isEqualTo(EthernetFlyweight.BROADCAST);
        assertThat(mac(garp, 6)).isEqualTo(BACKUP_MAC);
        assertThat(u16(garp, 14 + 6)).as("operation: request").isEqualTo(1);
        assertThat(mac(garp, 14 + 8)).isEqualTo(BACKUP_MAC);
        assertThat(i32(garp, 14 + 14)).as("sender = VIP").isEqualTo(VIP);
        assertThat(i32(garp, 14 + 24)).as("target = VIP").isEqualTo(VIP);
        assertThat(backup.process(request, now)).isEqualTo(PacketPath.ARP_ANSWERED);
    }

    @Test
    void anOwnedGatewayAddressIsAnsweredAndAnnouncedOnlyWhileAnsweringArp() {
        int gateway = ip("10.0.0.99");
        byte[] request = arp(1, CLIENT_MAC, CLIENT, 0, gateway, EthernetFlyweight.BROADCAST);
        assertThat(backup.process(request, now)).as("not owned yet").isEqualTo(PacketPath.NOT_FOR_US);

        backup.path.ownAddresses(new int[]{gateway});
        assertThat(backup.process(request, now)).isEqualTo(PacketPath.ARP_ANSWERED);
        assertThat(mac(backup.tx.last(), 14 + 8)).as("sender MAC").isEqualTo(BACKUP_MAC);
        assertThat(i32(backup.tx.last(), 14 + 14)).as("sender IP").isEqualTo(gateway);

        backup.path.answerArp(false);
        int sent = backup.tx.frames.size();
        assertThat(backup.process(request, now)).as("a backup stays silent").isNotEqualTo(PacketPath.ARP_ANSWERED);
        assertThat(backup.tx.frames).hasSize(sent);
        assertThat(backup.path.answersFor(gateway)).isTrue();
        assertThat(backup.path.answersFor(ip("10.0.0.98"))).isFalse();
    }

    @Test
    void anUpdateNamesItsFirstInconsistentField() {
        assertThatThrownBy(() -> new FlowUpdate(FlowUpdate.Kind.UPSERT, "PACS", 1, FlowUpdate.State.SYN, false,
                CLIENT, 1, VIP, 104, PRIMARY, 104, 0)).hasMessage("protocol: 1 (expected: 6 for TCP or 17 for UDP)");
        assertThatThrownBy(() -> new FlowUpdate(FlowUpdate.Kind.UPSERT, "PACS", 17, FlowUpdate.State.SYN, false,
                CLIENT, 1, VIP, 104, PRIMARY, 104, 0)).hasMessage("state: SYN (expected: UDP for UDP)");
        assertThatThrownBy(() -> new FlowUpdate(FlowUpdate.Kind.UPSERT, "PACS", 6, FlowUpdate.State.SYN, false,
                CLIENT, 70000, VIP, 104, PRIMARY, 104, 0)).hasMessage("clientPort: 70000 (expected: 0-65535)");
        assertThatThrownBy(() -> new FlowUpdate(FlowUpdate.Kind.UPSERT, "", 6, FlowUpdate.State.SYN, false,
                CLIENT, 1, VIP, 104, PRIMARY, 104, 0))
                .hasMessage("service: \"\" (expected: a label of 1-255 characters)");
        assertThatThrownBy(() -> new FlowUpdate(FlowUpdate.Kind.UPSERT, "PACS", 6, FlowUpdate.State.SYN, false,
                CLIENT, 1, VIP, 104, PRIMARY, 104, -1L)).hasMessageStartingWith("clientMac: -1");
    }
}
