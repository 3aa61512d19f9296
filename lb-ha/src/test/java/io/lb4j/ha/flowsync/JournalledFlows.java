package io.lb4j.ha.flowsync;

import io.lb4j.engine.packet.ha.FlowUpdate;
import io.lb4j.engine.packet.ha.PairHooks;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A packet engine's flow table and flow journal as {@link FlowSync} sees them through {@link PairHooks}, without the
 * packet path: {@link #open} and {@link #end} are what a SYN and the end of a connection do to a real engine's
 * table and journal, {@link #exportFlows()} republishes every live flow, and {@link #applyFlowUpdates} changes the
 * table without journaling, as the engine does. Lets several syncing nodes run in one JVM on loopback (a real
 * engine needs an interface of its own; two engines syncing are {@code PacketPairTakeoverTest}, in namespaces).
 */
final class JournalledFlows implements PairHooks {

    private static final int CLIENT = 0x0A00000A;
    private static final int VIP = 0x0A000064;
    private static final int REAL = 0x0A00006E;

    private final Map<Integer, FlowUpdate> live = new ConcurrentHashMap<>(); // by id
    private final ConcurrentLinkedQueue<FlowUpdate> journal = new ConcurrentLinkedQueue<>();
    private final AtomicInteger exports = new AtomicInteger();

    /**
     * A new established connection, journaled; {@code id} names it: the client address's last bits and the client
     * port ({@code id / 65536}, {@code id % 65536}), so there are more than 65,536 of them.
     */
    void open(int id) {
        FlowUpdate u = flow(FlowUpdate.Kind.UPSERT, id);
        live.put(id, u);
        journal.add(u);
    }

    /** The connection {@code id} ended, journaled. */
    void end(int id) {
        live.remove(id);
        journal.add(flow(FlowUpdate.Kind.REMOVE, id));
    }

    /** Whether the table holds the connection {@code id}. */
    boolean has(int id) {
        return live.containsKey(id);
    }

    /** The ids of the live flows, in order. */
    List<Integer> ids() {
        return live.keySet().stream().sorted().toList();
    }

    /** How many flows are live. */
    int size() {
        return live.size();
    }

    private static int id(FlowUpdate u) {
        return (u.client() - CLIENT) * 65_536 + u.clientPort();
    }

    /** How often the sync asked for an export. */
    int exports() {
        return exports.get();
    }

    private static FlowUpdate flow(FlowUpdate.Kind kind, int id) {
        return new FlowUpdate(kind, "PACS", 6, FlowUpdate.State.ESTABLISHED, false, CLIENT + id / 65_536,
                id % 65_536, VIP, 104, REAL, 104, 0x02_00_00_00_00_0AL);
    }

    @Override
    public List<FlowUpdate> pollFlowUpdates(int max) {
        List<FlowUpdate> out = new ArrayList<>();
        FlowUpdate u;
        while (out.size() < max && (u = journal.poll()) != null) {
            out.add(u);
        }
        return out;
    }

    @Override
    public void exportFlows() {
        exports.incrementAndGet();
        journal.addAll(live.values());
    }

    @Override
    public int applyFlowUpdates(List<FlowUpdate> updates) {
        for (FlowUpdate u : updates) {
            if (u.kind() == FlowUpdate.Kind.UPSERT) {
                live.put(id(u), u);
            } else {
                live.remove(id(u));
            }
        }
        return updates.size();
    }

    @Override
    public void standby() {
        throw new UnsupportedOperationException("no packet path");
    }

    @Override
    public void journalFlows() {
        throw new UnsupportedOperationException("no packet path");
    }

    @Override
    public void answerArp(boolean answer) {
        throw new UnsupportedOperationException("no packet path");
    }

    @Override
    public void ownAddresses(Collection<? extends InetAddress> addresses) {
        throw new UnsupportedOperationException("no packet path");
    }

    @Override
    public int announce(Collection<? extends InetAddress> addresses) {
        throw new UnsupportedOperationException("no packet path");
    }
}
