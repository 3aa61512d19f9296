package io.lb4j.engine.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.List;

import static io.lb4j.engine.packet.Frames.*;
import static io.lb4j.engine.packet.PacketPathTest.ACK;
import static io.lb4j.engine.packet.PacketPathTest.SEC;
import static io.lb4j.engine.packet.PacketPathTest.SYN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The flow table's defences seen from the wire: spoofed SYNs and blind handshakes can neither hold a backend's
 * connection slots nor evict a connection that carries traffic, and a NAT flow is established by the server's answer.
 */
class PacketPathFlowDefencesTest {

    static final byte[] NO_DATA = new byte[0];

    final CapturingSink tx = new CapturingSink();
    Backend primary;
    Backend secondary;
    PacketPath path;
    long now = 1_000 * SEC;

    /**
     * A path with a table of {@code capacity} flows, on the primary ({@code nat} false) or on the NAT fallback; the
     * primary takes at most {@code maxConnections} (0: unlimited).
     */
    void start(int capacity, boolean nat, int maxConnections) {
        VirtualService pacs = VirtualService.directRouting().label("PACS").address("10.0.0.100").ports(104)
                .real("PrimaryCluster", "10.0.0.110", r -> r.maxConnections(maxConnections))
                .fallback("10.0.0.120", f -> f.masquerade(true))
                .healthCheck(HealthCheck.none()).build();
        primary = Backend.of(pacs.realServers().get(0));
        secondary = Backend.of(pacs.fallback().orElseThrow());
        path = new PacketPath(LB_MAC, LB, 1518, PacketPathTest.newFlowTable(capacity),
                new NeighbourTable(64, 60 * SEC, SEC));
        path.install(nat ? new RoutingTable(pacs, 1, List.of(), secondary, true, null)
                : new RoutingTable(pacs, 1, List.of(primary), secondary, false, null));
        path.neighbours().confirm(PRIMARY, PRIMARY_MAC, now);
        path.neighbours().confirm(SECONDARY, SECONDARY_MAC, now);
    }

    int fromClient(int client, int port, int flags, byte[] data) {
        return process(tcp(LB_MAC, CLIENT_MAC, client, VIP, port, 104, flags, data));
    }

    int fromServer(int server, long serverMac, int client, int port, int flags) {
        return process(tcp(LB_MAC, serverMac, server, client, 104, port, flags, NO_DATA));
    }

    int process(byte[] frame) {
        now += 1_000; // 1 us per frame: every frame is a later instant, as on the wire
        return path.process(MemorySegment.ofArray(frame), 0, frame.length, false, now, tx);
    }

    /** A client's three-way handshake through the path (the server's SYN+ACK only passes it for NAT). */
    void handshake(int client, int port, boolean nat) {
        assertThat(fromClient(client, port, SYN, NO_DATA)).isEqualTo(PacketPath.FORWARDED);
        if (nat) {
            assertThat(fromServer(SECONDARY, SECONDARY_MAC, client, port, SYN | ACK))
                    .isEqualTo(PacketPath.REPLY_FORWARDED);
        }
        assertThat(fromClient(client, port, ACK, NO_DATA)).isEqualTo(PacketPath.FORWARDED);
    }

    int flowOf(int client, int port) {
        int ref = path.flows().find(client, VIP, (port << 16) | 104, Ipv4Flyweight.PROTOCOL_TCP);
        assertThat(ref).as("flow of %s:%d", Bytes.ipv4ToString(client), port).isNotNegative();
        return ref >>> 1;
    }

    long count(int counter) {
        return path.counters().get(counter);
    }

    @Test
    void spoofedSynsHoldNoSlotSoARealClientStillGetsAFullBackend() {
        start(1024, false, 1);
        for (int i = 0; i < 10; i++) {
            assertThat(fromClient(ip("192.0.2.1") + i, 1024 + i, SYN, NO_DATA)).isEqualTo(PacketPath.FORWARDED);
            assertThat(mac(tx.last(), 0)).as("maxConnections 1 is not used up by a SYN").isEqualTo(PRIMARY_MAC);
        }
        assertThat(primary.activeConnections()).isZero();

        handshake(CLIENT, 40000, false);

        assertThat(mac(tx.last(), 0)).isEqualTo(PRIMARY_MAC);
        assertThat(primary.activeConnections()).as("the established flow holds the one slot").isEqualTo(1);
        fromClient(CLIENT, 40001, SYN, NO_DATA);
        assertThat(mac(tx.last(), 0)).as("then the backend is full: the fallback takes the next")
                .isEqualTo(SECONDARY_MAC);
        assertThat(path.flows().verify()).isNull();
    }

    @Test
    void anEstablishedConnectionCountsOnceInTheBackendsTotal() {
        start(1024, false, 0);

        handshake(CLIENT, 40000, false);
        fromClient(CLIENT, 40000, ACK, new byte[] {1, 2, 3});

        assertThat(primary.activeConnections()).isEqualTo(1);
        assertThat(primary.totalConnections()).as("scheduled once; the slot taken again at ACK is not a new one")
                .isEqualTo(1);
    }

    @Test
    void aFlowEstablishedOnAFullBackendIsForwardedWithoutASlotAndCounted() {
        start(1024, false, 1);
        fromClient(CLIENT, 40000, SYN, NO_DATA);
        fromClient(CLIENT, 40001, SYN, NO_DATA);
        fromClient(CLIENT, 40000, ACK, NO_DATA);

        assertThat(fromClient(CLIENT, 40001, ACK, NO_DATA)).isEqualTo(PacketPath.FORWARDED);

        assertThat(mac(tx.last(), 0)).as("the server has the connection already").isEqualTo(PRIMARY_MAC);
        assertThat(path.flows().state(flowOf(CLIENT, 40001))).isEqualTo(FlowTable.STATE_ESTABLISHED);
        assertThat(primary.activeConnections()).isEqualTo(1);
        assertThat(count(Counters.ESTABLISHED_OVER_LIMIT)).isEqualTo(1);
        assertThat(path.flows().verify()).isNull();
    }

    @Test
    void aHalfOpenFlowExpiresAfterTheSynTimeoutUnlessTheSynIsRetransmitted() {
        start(1024, false, 1);
        long first = now;
        // Linux retransmits a SYN after 1, 3, 7 and 15 s: the 8 s gaps stay within the 10 s SYN timeout.
        for (long at : new long[]{0, 1, 3, 7, 15}) {
            now = first + at * SEC;
            path.tick(now, tx);
            assertThat(fromClient(CLIENT, 40000, SYN, NO_DATA)).isEqualTo(PacketPath.FORWARDED);
        }
        assertThat(count(Counters.FLOWS_CREATED)).as("one flow all along").isEqualTo(1);

        now = first + 24 * SEC;
        path.tick(now, tx);
        assertThat(path.flows().size()).as("9 s after the last SYN").isEqualTo(1);
        now = first + 25 * SEC + 1_000;
        path.tick(now, tx);
        assertThat(path.flows().size()).as("10 s after the last SYN").isZero();
        assertThat(count(Counters.FLOWS_EXPIRED)).isEqualTo(1);
    }

    @Test
    void aNatFlowStaysHalfOpenUntilTheServersSynAckPasses() {
        start(1024, true, 1);
        fromClient(CLIENT, 40000, SYN, NO_DATA);
        int id = flowOf(CLIENT, 40000);

        assertThat(fromClient(CLIENT, 40000, ACK, NO_DATA)).as("still forwarded").isEqualTo(PacketPath.FORWARDED);
        assertThat(path.flows().state(id)).isEqualTo(FlowTable.STATE_SYN);
        assertThat(count(Counters.ACK_BEFORE_SERVER)).isEqualTo(1);
        assertThat(secondary.activeConnections()).isZero();

        assertThat(fromServer(SECONDARY, SECONDARY_MAC, CLIENT, 40000, SYN | ACK))
                .isEqualTo(PacketPath.REPLY_FORWARDED);
        assertThat(path.flows().state(id)).isEqualTo(FlowTable.STATE_SYN);
        assertThat(fromClient(CLIENT, 40000, ACK, NO_DATA)).isEqualTo(PacketPath.FORWARDED);

        assertThat(path.flows().state(id)).isEqualTo(FlowTable.STATE_ESTABLISHED);
        assertThat(secondary.activeConnections()).isEqualTo(1);
        assertThat(count(Counters.ACK_BEFORE_SERVER)).isEqualTo(1);
    }

    @Test
    void aDirectRoutingFlowIsEstablishedByTheClientsAck() {
        start(1024, false, 1);
        fromClient(CLIENT, 40000, SYN, NO_DATA);

        fromClient(CLIENT, 40000, ACK, NO_DATA);

        assertThat(path.flows().state(flowOf(CLIENT, 40000))).isEqualTo(FlowTable.STATE_ESTABLISHED);
        assertThat(count(Counters.ACK_BEFORE_SERVER)).isZero();
    }

    /**
     * A full table of 1,024 flows, one of them a connection that keeps carrying data, takes 1,024 spoofed SYN+ACK
     * pairs (each a SYN and a blind ACK from a new source): every pair evicts a flow, never the busy connection.
     * With direct routing the pairs are established flows; with NAT they stay half-open.
     */
    @ParameterizedTest(name = "nat={0}")
    @ValueSource(booleans = {false, true})
    void spoofedHandshakesIntoAFullTableNeverEvictAConnectionThatCarriesData(boolean nat) {
        start(1024, nat, 0);
        handshake(CLIENT, 40000, nat);
        for (int i = 0; i < 1023; i++) {
            handshake(ip("10.1.0.0") + i, 50000, nat); // earlier connections, idle since
        }
        assertThat(path.flows().size()).isEqualTo(1024);
        long serverMac = nat ? SECONDARY_MAC : PRIMARY_MAC;
        int segments = 0;

        for (int pair = 0; pair < 1024; pair++) {
            if (pair % 4 == 0) { // the connection sends a segment every four pairs, from the start of the flood
                assertThat(fromClient(CLIENT, 40000, ACK, new byte[]{1, 2, 3}))
                        .as("data segment before pair %d", pair).isEqualTo(PacketPath.FORWARDED);
                assertThat(mac(tx.last(), 0)).isEqualTo(serverMac);
                segments++;
            }
            int spoofed = ip("198.18.0.0") + pair;
            fromClient(spoofed, 1024 + pair, SYN, NO_DATA);
            fromClient(spoofed, 1024 + pair, ACK, NO_DATA);
        }

        assertThat(segments).isEqualTo(256);
        assertThat(count(Counters.NO_FLOW)).as("no segment of the connection lost its flow").isZero();
        assertThat(path.flows().state(flowOf(CLIENT, 40000))).isEqualTo(FlowTable.STATE_ESTABLISHED);
        assertThat(count(Counters.FLOWS_EVICTED)).isEqualTo(1024);
        assertThat(count(Counters.FLOWS_EVICTED_HALF_OPEN) + count(Counters.FLOWS_EVICTED_ACTIVE)).isEqualTo(1024);
        assertThat(count(Counters.ACK_BEFORE_SERVER)).isEqualTo(nat ? 1024 : 0);
        assertThat(path.flows().verify()).isNull();
    }
}
