package io.lb4j.engine.packet;

import io.lb4j.engine.packet.ha.FlowUpdate;
import io.lb4j.engine.packet.ha.PairHooks;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A {@link PacketEngine}'s {@link PairHooks}: one per engine, handed out by {@link PairHooks#of}. Holds what only a
 * pair needs (standby, the flow journal, the progress of a full export), so the engine itself knows nothing of
 * pairs beyond reading the two start-up choices.
 */
final class EnginePairHooks implements PairHooks {

    private static final int JOURNAL_CAPACITY = 1 << 16;

    private final PacketEngine engine;
    private volatile boolean standby;
    private volatile boolean journalFlows;
    private volatile int exportCursor = -1;     // next flow record a full export sends, or -1
    private volatile boolean exportQueued;

    EnginePairHooks(PacketEngine engine) {
        this.engine = engine;
    }

    // ------------------------------------------------------------------ before start

    @Override
    public void standby() {
        synchronized (engine) {   // start() holds the same lock: the choice is in or out, never half
            beforeStart("standby");
            standby = true;
        }
    }

    @Override
    public void journalFlows() {
        synchronized (engine) {
            beforeStart("journalFlows");
            journalFlows = true;
        }
    }

    private void beforeStart(String what) {
        if (engine.hasStarted()) {
            throw new IllegalStateException(what + "(): " + engine + " already started (expected: before start)");
        }
    }

    /** Whether the engine starts without answering ARP; read by {@link PacketEngine#start}. */
    boolean startsInStandby() {
        return standby;
    }

    /** A new journal when flow changes are to be journaled, else null; read by {@link PacketEngine#start}. */
    FlowJournal newJournal() {
        return journalFlows ? new FlowJournal(JOURNAL_CAPACITY) : null;
    }

    // ------------------------------------------------------------------ ARP ownership

    @Override
    public void answerArp(boolean answer) {
        for (PacketEngine.Shard shard : engine.started()) {
            shard.path().answerArp(answer);
        }
    }

    @Override
    public void ownAddresses(Collection<? extends InetAddress> addresses) {
        Objects.requireNonNull(addresses, "addresses");
        int[] owned = addresses.stream().filter(a -> a instanceof Inet4Address)
                .mapToInt(a -> ServiceState.ipv4("owned address", a)).distinct().toArray();
        long[] owned6 = addresses.stream().filter(a -> !(a instanceof Inet4Address)).distinct()
                .flatMapToLong(a -> java.util.stream.LongStream.of(ServiceState.high(a), ServiceState.low(a)))
                .toArray();
        for (PacketEngine.Shard shard : engine.started()) {
            shard.path().ownAddresses(owned);
            shard.path().ownAddresses6(owned6);
        }
    }

    @Override
    public int announce(Collection<? extends InetAddress> addresses) {
        Objects.requireNonNull(addresses, "addresses");
        PacketEngine.Shard first = engine.started()[0]; // the thread that receives and sends ARP
        PacketPath p = first.path();
        List<Integer> announced = new ArrayList<>();
        for (InetAddress a : addresses) {
            if (a instanceof Inet4Address && p.answersFor(ServiceState.ipv4("address", a))) {
                announced.add(ServiceState.ipv4("address", a));
            }
        }
        List<long[]> announced6 = new ArrayList<>();
        for (InetAddress a : addresses) {
            if (!(a instanceof Inet4Address) && p.answersFor6(ServiceState.high(a), ServiceState.low(a))) {
                announced6.add(new long[] {ServiceState.high(a), ServiceState.low(a)});
            }
        }
        if (!announced.isEmpty() || !announced6.isEmpty()) {
            engine.onLoop(0, () -> {
                announced.forEach(vip -> p.sendGratuitousArp(vip, first.loop()));
                announced6.forEach(vip -> p.sendUnsolicitedAdvertisement(vip[0], vip[1], first.loop()));
            });
        }
        return announced.size() + announced6.size();
    }

    // ------------------------------------------------------------------ flow-state sync

    @Override
    public List<FlowUpdate> pollFlowUpdates(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
        }
        PacketEngine.Shard[] shards = engine.shards();
        if (shards == null || shards[0].path().flows().journal() == null) {
            return List.of();
        }
        List<FlowUpdate> out = new ArrayList<>();
        for (int i = 0; i < shards.length && out.size() < max; i++) {
            shards[i].path().pollUpdates(max - out.size(), out);
        }
        continueExport(shards);
        return out;
    }

    @Override
    public void exportFlows() {
        PacketEngine.Shard[] shards = engine.shards();
        if (shards != null && shards[0].path().flows().journal() != null) {
            exportCursor = 0;
            continueExport(shards);
        }
    }

    // Republishes the next slice of the flow tables on their packet threads, one thread at a time and without
    // waiting, while that thread's journal has at least half its room free: an export never crowds out live changes.
    // The cursor runs over the threads' tables one after the other.
    private void continueExport(PacketEngine.Shard[] shards) {
        int cursor = exportCursor;
        if (cursor < 0 || exportQueued) {
            return;
        }
        int perShard = shards[0].path().flows().capacity();
        int shard = cursor / perShard;
        if (shard >= shards.length) {
            exportCursor = -1;
            return;
        }
        PacketPath p = shards[shard].path();
        FlowJournal journal = p.flows().journal();
        if (journal.free() < journal.capacity() / 2) {
            return;
        }
        exportQueued = true;
        boolean submitted = engine.submitToLoop(shard, () -> {
            try {
                FlowTable flows = p.flows();
                int c = exportCursor - shard * perShard;
                long now = engine.clock().nanoTime();
                int budget = journal.free() - journal.capacity() / 4;
                while (c >= 0 && c < flows.capacity() && budget > 0) {
                    if (flows.state(c) != FlowTable.STATE_FREE) {
                        flows.republish(c, now);
                        budget--;
                    }
                    c++;
                }
                int next = shard * perShard + c;
                exportCursor = c >= flows.capacity() && shard + 1 >= shards.length ? -1 : next;
            } finally {
                exportQueued = false;
            }
        });
        if (!submitted) {
            exportQueued = false;
        }
    }

    @Override
    public int applyFlowUpdates(List<FlowUpdate> updates) {
        Objects.requireNonNull(updates, "updates");
        PacketEngine.Shard[] shards = engine.started();
        // Each flow goes to the thread the fanout program steers its frames to.
        List<List<FlowUpdate>> byShard = new ArrayList<>();
        for (int i = 0; i < shards.length; i++) {
            byShard.add(new ArrayList<>());
        }
        for (FlowUpdate u : List.copyOf(updates)) {
            byShard.get(FanoutProgram.shard(u.client(), u.clientPort(), shards.length)).add(u);
        }
        int[] applied = new int[1];
        for (int i = 0; i < shards.length; i++) {
            List<FlowUpdate> mine = byShard.get(i);
            if (mine.isEmpty()) {
                continue;
            }
            PacketPath p = shards[i].path();
            engine.onLoop(i, () -> {
                long now = engine.clock().nanoTime();
                int n = 0;
                for (FlowUpdate u : mine) {
                    if (p.applySynced(u, now)) {
                        n++;
                    }
                }
                synchronized (applied) {
                    applied[0] += n;
                }
            });
        }
        return applied[0];
    }

    @Override
    public String toString() {
        return "PairHooks[" + engine + "]";
    }
}
