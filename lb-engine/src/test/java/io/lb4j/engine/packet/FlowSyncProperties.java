package io.lb4j.engine.packet;

import io.lb4j.engine.packet.ha.FlowUpdate;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.packet.Frames.CLIENT;
import static io.lb4j.engine.packet.Frames.VIP;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A backup fed only by the master's flow journal holds the master's flow table: after any sequence of client
 * segments (SYN, ACK, FIN, RST on a few client ports), timer sweeps and Halts on the master, the backup has the same
 * flows, each with the same backend and state, and its backends hold the same connection slots.
 */
class FlowSyncProperties {

    private static final long SEC = TimeUnit.SECONDS.toNanos(1);
    private static final int[] FLAGS = {TcpFlyweight.SYN, TcpFlyweight.ACK, TcpFlyweight.FIN | TcpFlyweight.ACK,
            TcpFlyweight.RST};

    @Property(tries = 150)
    void theBackupMirrorsTheMaster(@ForAll @Size(min = 1, max = 300) List<@IntRange(max = 255) Integer> ops) {
        long now = 1_000 * SEC;
        FlowSyncTest.Node master = new FlowSyncTest.Node(Frames.LB_MAC, now, true);
        FlowSyncTest.Node backup = new FlowSyncTest.Node(FlowSyncTest.BACKUP_MAC, now, true);
        for (int op : ops) {
            int port = 40000 + (op & 0x07);
            switch (op >>> 6) {
                case 0, 1, 2 -> master.process(master.segment(port, FLAGS[(op >>> 3) & 3]), now);
                default -> {
                    if ((op & 0x08) != 0) {
                        master.path.expire(master.path.serviceId("PACS"), (op & 0x10) != 0 ? "A" : "B");
                    } else {
                        now += ((op >>> 3) & 7) * 30 * SEC;
                        master.path.tick(now, master.tx);
                    }
                }
            }
            for (FlowUpdate u : master.poll()) {
                assertThat(backup.path.applySynced(u, now)).as("%s", u).isTrue();
            }
            assertMirrors(master, backup);
        }
    }

    private static void assertMirrors(FlowSyncTest.Node master, FlowSyncTest.Node backup) {
        FlowTable m = master.path.flows();
        FlowTable b = backup.path.flows();
        assertThat(b.verify()).isNull();
        assertThat(b.size()).isEqualTo(m.size());
        for (int id = 0; id < m.capacity(); id++) {
            if (m.state(id) == FlowTable.STATE_FREE) {
                continue;
            }
            int ref = b.find(CLIENT, VIP, (m.clientPort(id) << 16) | m.vipPort(id), m.protocol(id));
            assertThat(ref).as("flow of client port %d on the backup", m.clientPort(id)).isNotNegative();
            int copy = ref >>> 1;
            assertThat(b.backendIp(copy)).isEqualTo(m.backendIp(id));
            assertThat(b.state(copy)).isEqualTo(m.state(id));
        }
        assertThat(backup.a.activeConnections()).isEqualTo(master.a.activeConnections());
        assertThat(backup.b.activeConnections()).isEqualTo(master.b.activeConnections());
        assertThat(master.path.flows().journal().dropped()).isZero();
    }
}
