package io.lb4j.engine.packet;

import io.lb4j.api.RealServer;
import io.lb4j.api.spi.Backend;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The flow table against a HashMap model under random inserts, client segments, NAT replies, synced states and
 * inserts, removals, sweeps and evictions, with one unlimited backend and one whose connection limit is small: the
 * index stays consistent and a backend's active connections are exactly the flows that hold one of its slots.
 */
class FlowTableProperties {

    private static final int VIP = 0x0A000064;
    private static final int BACKEND_IP = 0x0A000078;
    private static final int TCP = Ipv4Flyweight.PROTOCOL_TCP;
    private static final int UDP = Ipv4Flyweight.PROTOCOL_UDP;
    private static final int[] FLAGS = {TcpFlyweight.SYN, TcpFlyweight.ACK, TcpFlyweight.FIN | TcpFlyweight.ACK,
            TcpFlyweight.RST};
    private static final int[] TCP_STATES = {FlowTable.STATE_SYN, FlowTable.STATE_ESTABLISHED, FlowTable.STATE_FIN,
            FlowTable.STATE_CLOSE};

    /**
     * One operation, from the bits of a random number: client (0-3), client port (4-7), NAT (8), the limited backend
     * (9), UDP (10), what to do (11-13), which flags or state (14-15).
     */
    @Property(tries = 300)
    void keepsTheIndexAndEverySlotConsistent(@ForAll @Size(min = 1, max = 400)
                                             List<@IntRange(max = 0xFFFF) Integer> ops,
                                             @ForAll @IntRange(min = 1, max = 64) int capacity) throws Exception {
        Backend unlimited = Backend.of(RealServer.builder("u", InetAddress.getByName("10.0.0.110")).build());
        Backend limited = Backend.of(RealServer.builder("l", InetAddress.getByName("10.0.0.111"))
                .maxConnections(2).build());
        FlowTable table = PacketPathTest.newFlowTable(capacity);
        Map<Long, Integer> model = new HashMap<>();
        long now = 0;
        for (int op : ops) {
            int client = 0x0A000000 | (op & 0x0F);
            int port = 1000 + (op >>> 4 & 0x0F);
            boolean nat = (op & 0x100) != 0;
            Backend backend = (op & 0x200) != 0 ? limited : unlimited;
            int proto = (op & 0x400) != 0 ? UDP : TCP;
            int variant = op >>> 14;
            long key = ((long) proto << 32) | ((op & 0x0F) << 16) | port;
            int ports = (port << 16) | 80;
            int ref = table.find(client, VIP, ports, proto);
            int id = ref >>> 1;
            switch (op >>> 11 & 7) {
                case 0, 1 -> { // a new flow as the packet path makes it: the route's slot first, eviction if full
                    if (ref < 0 && backend.tryAcquire()) {
                        int created = table.insert(0, proto, client, port, VIP, 80, 1, backend, BACKEND_IP, 8080, 2,
                                nat, now);
                        if (created < 0) {
                            table.evictOne();
                            created = table.insert(0, proto, client, port, VIP, 80, 1, backend, BACKEND_IP, 8080, 2,
                                    nat, now);
                        }
                        assertThat(created).isNotNegative();
                        model.put(key, created);
                    }
                }
                case 2 -> { // a client segment
                    if (ref >= 0) {
                        if (proto == TCP) {
                            table.onTcp(id, FLAGS[variant], now);
                        } else {
                            table.onUdp(id, now);
                        }
                    }
                }
                case 3 -> { // the server's reply
                    if (ref >= 0 && proto == TCP && table.nat(id)) {
                        assertThat(table.find(BACKEND_IP, client, (8080 << 16) | port, proto)).isEqualTo(ref | 1);
                        table.onTcpReply(id, FLAGS[variant] | TcpFlyweight.ACK, now);
                    }
                }
                case 4 -> { // the peer's flow-state sync
                    int state = proto == UDP ? FlowTable.STATE_UDP : TCP_STATES[variant];
                    if (ref >= 0) {
                        table.syncState(id, state, now);
                    } else {
                        boolean slot = FlowTable.holdsSlotIn(state) && backend.tryAcquire();
                        int created = table.insertSynced(0, proto, state, client, port, VIP, 80, 1, backend, slot,
                                BACKEND_IP, 8080, 2, nat, now);
                        if (created < 0) {
                            table.evictOne();
                            created = table.insertSynced(0, proto, state, client, port, VIP, 80, 1, backend, slot,
                                    BACKEND_IP, 8080, 2, nat, now);
                        }
                        model.put(key, created);
                    }
                }
                case 5 -> { // removal
                    if (ref >= 0) {
                        table.remove(id);
                        model.remove(key);
                    } else {
                        assertThat(model).doesNotContainKey(key);
                    }
                }
                case 6 -> { // time passes and the sweep runs
                    now += variant * 5_000_000_000L;
                    table.sweep(now, capacity);
                }
                default -> {
                    if (table.size() > 0) {
                        table.evictOne();
                    }
                }
            }
            // Evictions and sweeps remove flows the model cannot predict: it follows the table there.
            model.keySet().removeIf(k -> table.find(0x0A000000 | (int) (k >>> 16 & 0xFFFF), VIP,
                    (int) (k & 0xFFFF) << 16 | 80, (int) (k >>> 32)) < 0);
            now += 1_000_000_000L;
            assertThat(table.verify()).isNull();
            assertThat(table.size()).isEqualTo(model.size());
            assertSlots(table, unlimited, limited);
        }
        table.sweep(now + 1_000_000_000_000L, capacity);
        assertThat(table.size()).isZero();
        assertThat(unlimited.activeConnections()).isZero();
        assertThat(limited.activeConnections()).isZero();
        assertThat(table.verify()).isNull();
    }

    // A backend's active connections are its flows that hold a slot; with room, every established TCP and every UDP
    // flow holds one, and no other flow ever does.
    private static void assertSlots(FlowTable table, Backend unlimited, Backend limited) {
        int holdingUnlimited = 0;
        int holdingLimited = 0;
        for (int id = 0; id < table.capacity(); id++) {
            if (table.state(id) == FlowTable.STATE_FREE) {
                continue;
            }
            if (table.backend(id) == unlimited) {
                assertThat(table.holdsSlot(id)).as("flow %d in state %d", id, table.state(id))
                        .isEqualTo(FlowTable.holdsSlotIn(table.state(id)));
                holdingUnlimited += table.holdsSlot(id) ? 1 : 0;
            } else {
                assertThat(!table.holdsSlot(id) || FlowTable.holdsSlotIn(table.state(id))).isTrue();
                holdingLimited += table.holdsSlot(id) ? 1 : 0;
            }
        }
        assertThat(unlimited.activeConnections()).isEqualTo(holdingUnlimited);
        assertThat(limited.activeConnections()).isEqualTo(holdingLimited).isLessThanOrEqualTo(2);
        assertThat(table.slotsHeld()).isEqualTo(holdingUnlimited + holdingLimited);
    }

    @Property(tries = 50)
    void natFlowsAreFoundFromBothSides(@ForAll @Size(min = 1, max = 50)
                                       List<@IntRange(min = 1, max = 65535) Integer> clientPorts)
            throws Exception {
        Backend backend = Backend.of(RealServer.builder("r", InetAddress.getByName("10.0.0.110")).build());
        FlowTable table = PacketPathTest.newFlowTable(64);
        List<Integer> ids = new ArrayList<>();
        for (int p : clientPorts.stream().distinct().toList()) {
            backend.tryAcquire();
            ids.add(table.insert(0, 6, 0x0A00000A, p, 0x0A000064, 104, 1, backend, 0x0A000078, 104, 2, true, 0));
        }
        int i = 0;
        for (int p : clientPorts.stream().distinct().toList()) {
            assertThat(table.find(0x0A000078, 0x0A00000A, (104 << 16) | p, 6)).isEqualTo(ids.get(i++) << 1 | 1);
        }
        assertThat(table.verify()).isNull();
    }
}
