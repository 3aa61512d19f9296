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
        engine.started().answerArp(answer);
    }

    @Override
    public void ownAddresses(Collection<? extends InetAddress> addresses) {
        Objects.requireNonNull(addresses, "addresses");
        int[] owned = addresses.stream().mapToInt(a -> ServiceState.ipv4("owned address", a)).distinct().toArray();
        engine.started().ownAddresses(owned);
    }

    @Override
    public int announce(Collection<? extends InetAddress> addresses) {
        Objects.requireNonNull(addresses, "addresses");
        PacketPath p = engine.started();
        List<Integer> announced = new ArrayList<>();
        for (InetAddress a : addresses) {
            if (a instanceof Inet4Address && p.answersFor(ServiceState.ipv4("address", a))) {
                announced.add(ServiceState.ipv4("address", a));
            }
        }
        if (!announced.isEmpty()) {
            engine.onLoop(() -> announced.forEach(vip -> p.sendGratuitousArp(vip, engine.loop())));
        }
        return announced.size();
    }

    // ------------------------------------------------------------------ flow-state sync

    @Override
    public List<FlowUpdate> pollFlowUpdates(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
        }
        PacketPath p = engine.path();
        FlowJournal journal = p == null ? null : p.flows().journal();
        if (journal == null) {
            return List.of();
        }
        List<FlowUpdate> out = new ArrayList<>();
        p.pollUpdates(max, out);
        continueExport(p, journal);
        return out;
    }

    @Override
    public void exportFlows() {
        PacketPath p = engine.path();
        if (p != null && p.flows().journal() != null) {
            exportCursor = 0;
            continueExport(p, p.flows().journal());
        }
    }

    // Republishes the next slice of the flow table on the packet thread, without waiting, while the journal has
    // at least half its room free: an export never crowds out live changes.
    private void continueExport(PacketPath p, FlowJournal journal) {
        if (exportCursor < 0 || exportQueued || journal.free() < journal.capacity() / 2) {
            return;
        }
        exportQueued = true;
        boolean submitted = engine.submitToLoop(() -> {
            try {
                FlowTable flows = p.flows();
                int c = exportCursor;
                long now = engine.clock().nanoTime();
                int budget = journal.free() - journal.capacity() / 4;
                while (c >= 0 && c < flows.capacity() && budget > 0) {
                    if (flows.state(c) != FlowTable.STATE_FREE) {
                        flows.republish(c, now);
                        budget--;
                    }
                    c++;
                }
                exportCursor = c >= flows.capacity() ? -1 : c;
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
        PacketPath p = engine.started();
        List<FlowUpdate> copy = List.copyOf(updates);
        int[] applied = new int[1];
        engine.onLoop(() -> {
            long now = engine.clock().nanoTime();
            for (FlowUpdate u : copy) {
                if (p.applySynced(u, now)) {
                    applied[0]++;
                }
            }
        });
        return applied[0];
    }

    @Override
    public String toString() {
        return "PairHooks[" + engine + "]";
    }
}
