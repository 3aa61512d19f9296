package io.lb4j.engine.packet;

import io.lb4j.api.RealServer;
import io.lb4j.api.spi.Backend;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;

import static io.lb4j.engine.packet.PacketPathTest.SEC;
import static org.assertj.core.api.Assertions.assertThat;

/** The flow table's defences on their own: who holds a connection slot, when a flow is established, who is evicted. */
class FlowTableTest {

    static final int TCP = Ipv4Flyweight.PROTOCOL_TCP;
    static final int UDP = Ipv4Flyweight.PROTOCOL_UDP;
    static final int SYN = TcpFlyweight.SYN;
    static final int ACK = TcpFlyweight.ACK;
    static final int VIP = 0x0A000064;
    static final int BACKEND_IP = 0x0A00006E;

    final Backend backend = backend(0);
    FlowTable table = PacketPathTest.newFlowTable(8);

    static Backend backend(int maxConnections) {
        try {
            return Backend.of(RealServer.builder("r", InetAddress.getByName("10.0.0.110"))
                    .maxConnections(maxConnections).build());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A new flow as the packet path makes it: the route's slot first. */
    int insert(int proto, int clientPort, Backend owner, boolean nat, long now) {
        assertThat(owner.tryAcquire()).as("route() takes a slot").isTrue();
        return table.insert(0, proto, 0x0A00000A, clientPort, VIP, 80, 1, owner, BACKEND_IP, 80, 2, nat, now);
    }

    @Test
    void aHalfOpenFlowGivesTheRoutesSlotBackAndTakesOneWhenEstablished() {
        int id = insert(TCP, 40000, backend, false, 0);
        assertThat(backend.activeConnections()).as("half-open: no slot").isZero();
        assertThat(table.holdsSlot(id)).isFalse();

        assertThat(table.onTcp(id, ACK, SEC)).isEqualTo(FlowTable.TCP_OK);

        assertThat(table.state(id)).isEqualTo(FlowTable.STATE_ESTABLISHED);
        assertThat(backend.activeConnections()).isEqualTo(1);
        assertThat(table.onTcp(id, TcpFlyweight.FIN | ACK, 2 * SEC)).isEqualTo(FlowTable.TCP_OK);
        assertThat(backend.activeConnections()).as("closing: slot back").isZero();
        assertThat(table.verify()).isNull();
    }

    @Test
    void aUdpFlowKeepsTheRoutesSlot() {
        int id = insert(UDP, 5000, backend, false, 0);

        assertThat(table.holdsSlot(id)).isTrue();
        assertThat(backend.activeConnections()).isEqualTo(1);
        assertThat(table.verify()).isNull();
    }

    @Test
    void aFlowEstablishedWhileItsBackendIsFullIsKeptWithoutASlotAndSaysSo() {
        Backend one = backend(1);
        int first = insert(TCP, 40000, one, false, 0);
        int second = insert(TCP, 40001, one, false, 0);
        table.onTcp(first, ACK, SEC);

        assertThat(table.onTcp(second, ACK, SEC)).isEqualTo(FlowTable.TCP_OVER_LIMIT);

        assertThat(table.state(second)).isEqualTo(FlowTable.STATE_ESTABLISHED);
        assertThat(table.holdsSlot(second)).isFalse();
        assertThat(one.activeConnections()).isEqualTo(1);
        assertThat(table.onTcp(second, ACK, 2 * SEC)).as("no retry on every segment").isEqualTo(FlowTable.TCP_OK);
        table.remove(second);
        assertThat(one.activeConnections()).as("nothing to release").isEqualTo(1);
        assertThat(table.verify()).isNull();
    }

    @Test
    void aNatFlowIsEstablishedOnlyAfterTheServersAnswer() {
        int id = insert(TCP, 40000, backend, true, 0);

        assertThat(table.onTcp(id, ACK, SEC)).isEqualTo(FlowTable.TCP_ACK_BEFORE_SERVER);
        assertThat(table.state(id)).isEqualTo(FlowTable.STATE_SYN);
        assertThat(table.serverAnswered(id)).isFalse();

        assertThat(table.onTcpReply(id, SYN | ACK, 2 * SEC)).isEqualTo(FlowTable.TCP_OK);
        assertThat(table.state(id)).as("the server's answer alone establishes nothing").isEqualTo(FlowTable.STATE_SYN);
        assertThat(table.serverAnswered(id)).isTrue();

        assertThat(table.onTcp(id, ACK, 3 * SEC)).isEqualTo(FlowTable.TCP_OK);
        assertThat(table.state(id)).isEqualTo(FlowTable.STATE_ESTABLISHED);
        assertThat(backend.activeConnections()).isEqualTo(1);
    }

    @Test
    void evictionPicksTheLeastRecentlyActiveFlowWhateverItsState() {
        int established = insert(TCP, 40000, backend, false, 0);
        table.onTcp(established, ACK, SEC);                       // established, last active at 1 s
        int halfOpen = insert(TCP, 40001, backend, false, 2 * SEC);
        int udp = insert(UDP, 40002, backend, false, 3 * SEC);
        for (int port = 40003; port < 40008; port++) {
            insert(TCP, port, backend, false, 4 * SEC);
        }

        assertThat(table.evictOne()).isEqualTo(FlowTable.STATE_ESTABLISHED);
        assertThat(table.state(established)).as("removed").isEqualTo(FlowTable.STATE_FREE);

        table.onTcp(halfOpen, SYN, 5 * SEC);                      // a retransmitted SYN: active again
        assertThat(table.evictOne()).isEqualTo(FlowTable.STATE_UDP);
        assertThat(table.state(udp)).isEqualTo(FlowTable.STATE_FREE);
        assertThat(table.state(halfOpen)).isEqualTo(FlowTable.STATE_SYN);
        assertThat(backend.activeConnections()).as("the evicted flows' slots are back").isZero();
        assertThat(table.verify()).isNull();
    }

    @Test
    void atEqualAgeAHalfOpenFlowIsEvictedFirst() {
        int established = insert(TCP, 40000, backend, false, SEC);
        table.onTcp(established, ACK, SEC);
        for (int port = 40001; port < 40007; port++) {
            table.onTcp(insert(TCP, port, backend, false, SEC), ACK, SEC);
        }
        int halfOpen = insert(TCP, 40007, backend, false, SEC);

        assertThat(table.evictOne()).isEqualTo(FlowTable.STATE_SYN);
        assertThat(table.state(halfOpen)).isEqualTo(FlowTable.STATE_FREE);
        assertThat(table.state(established)).isEqualTo(FlowTable.STATE_ESTABLISHED);
    }

    @Test
    void lastActivityIsTheLastSegmentWhateverTheStatesTimeout() {
        int id = insert(TCP, 40000, backend, false, 3 * SEC);
        assertThat(table.lastActive(id)).isEqualTo(3 * SEC);
        table.onTcp(id, ACK, 7 * SEC);
        assertThat(table.lastActive(id)).isEqualTo(7 * SEC);
        assertThat(table.expiresAt(id)).isEqualTo(907 * SEC);
    }
}
