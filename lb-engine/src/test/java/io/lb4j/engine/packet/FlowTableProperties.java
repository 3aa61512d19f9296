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

/** The flow table against a HashMap model under random inserts, removals, sweeps, evictions and purges. */
class FlowTableProperties {

    @Property(tries = 200)
    void behavesLikeAMapAndReleasesEverySlotOnce(@ForAll @Size(min = 1, max = 400)
                                                List<@IntRange(max = 1023) Integer> ops,
                                                @ForAll @IntRange(min = 1, max = 64) int capacity) throws Exception {
        Backend backend = Backend.of(RealServer.builder("r", InetAddress.getByName("10.0.0.110")).build());
        FlowTable table = PacketPathTest.newFlowTable(capacity);
        Map<Long, Integer> model = new HashMap<>();
        long now = 0;
        for (int op : ops) {
            int client = 0x0A000000 | (op & 0x0F);
            int port = 1000 + (op >>> 4 & 0x0F);
            long key = ((long) client << 16) | port;
            boolean nat = (op & 0x100) != 0;
            int ports = (port << 16) | 80;
            int ref = table.find(client, 0x0A000064, ports, 6);
            switch (op >>> 9) {
                case 0 -> { // insert if absent, evicting when full
                    if (ref < 0) {
                        assertThat(backend.tryAcquire()).isTrue();
                        int id = table.insert(0, 6, client, port, 0x0A000064, 80, 1, backend, 0x0A000078, 8080, 2,
                                nat, now);
                        if (id < 0) {
                            table.evictOne();
                            model.keySet().removeIf(k -> table.find((int) (k >>> 16), 0x0A000064,
                                    (int) (k & 0xFFFF) << 16 | 80, 6) < 0);
                            id = table.insert(0, 6, client, port, 0x0A000064, 80, 1, backend, 0x0A000078, 8080, 2,
                                    nat, now);
                        }
                        assertThat(id).isNotNegative();
                        model.put(key, id);
                    } else {
                        assertThat(model).containsEntry(key, ref >>> 1);
                    }
                }
                default -> { // remove if present
                    if (ref >= 0) {
                        table.remove(ref >>> 1);
                        model.remove(key);
                    } else {
                        assertThat(model).doesNotContainKey(key);
                    }
                }
            }
            now += 1_000_000_000L;
            assertThat(table.verify()).isNull();
            assertThat(table.size()).isEqualTo(model.size());
            assertThat(backend.activeConnections()).isEqualTo(model.size());
        }
        table.sweep(now + 1_000_000_000_000L, capacity);
        assertThat(table.size()).isZero();
        assertThat(backend.activeConnections()).isZero();
        assertThat(table.verify()).isNull();
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
