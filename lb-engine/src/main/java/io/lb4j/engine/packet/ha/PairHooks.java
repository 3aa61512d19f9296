package io.lb4j.engine.packet.ha;

import io.lb4j.engine.packet.PacketEngine;

import java.net.InetAddress;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a clustered pair drives on a {@link PacketEngine}: who answers ARP for the VIPs (only the master), gratuitous
 * ARPs on takeover, and the flow-state journal that flow sync streams to the other node. Exported to
 * {@code io.lb4j.ha} only: an embedder builds a pair node's engine with {@code HaPair.packetEngine(..)} and never
 * calls these itself.
 *
 * <pre>{@code
 * PairHooks hooks = PairHooks.of(engine);
 * hooks.standby();        // before start: silent until VRRP makes this node master
 * hooks.journalFlows();   // before start: record flow changes for FlowSync
 * }</pre>
 *
 * <p>Thread-safe unless a method says otherwise; the engine applies each call on its packet thread and returns once
 * it took effect.
 */
public interface PairHooks {

    /**
     * The hooks of {@code engine}; one object per engine.
     *
     * @throws NullPointerException when {@code engine} is null
     */
    static PairHooks of(PacketEngine engine) {
        Objects.requireNonNull(engine, "engine");
        return Binding.factory().apply(engine);
    }

    /**
     * Starts the engine without answering ARP for its VIPs: the backup of a pair, until {@link #answerArp(boolean)
     * answerArp(true)} (the pair's VIP owner calls it on takeover). Default: an engine answers from start.
     *
     * @throws IllegalStateException when the engine has started already
     */
    void standby();

    /**
     * Journals flow changes for {@link #pollFlowUpdates} (costs one predictable branch per packet and a journal of
     * 65,536 entries, about 2.6 MB). Default off.
     *
     * @throws IllegalStateException when the engine has started already
     */
    void journalFlows();

    /**
     * Starts or stops answering ARP (IPv4 VIPs) and Neighbour Solicitations (IPv6 VIPs) for the installed VIPs. The
     * master of a pair answers; the backup does not, so
     * clients and routers keep sending to the master (the backup still forwards whatever reaches its MAC, e.g. from a
     * stale ARP cache right after a takeover).
     *
     * @throws IllegalStateException when the engine has not started
     */
    void answerArp(boolean answer);

    /**
     * Sets the addresses the engine answers ARP or NDP for besides its VIPs (while it answers at all), replacing the
     * previous set: a floating gateway that MASQ fallbacks route their replies through, so that in a pair the replies reach the
     * master, which holds (or has synced) their NAT flows. The engine only answers ARP for them; frames addressed to
     * such an address itself are left to the host.
     *
     * @throws IllegalStateException when the engine has not started
     */
    void ownAddresses(Collection<? extends InetAddress> addresses);

    /**
     * Broadcasts one gratuitous ARP (IPv4) or multicasts one unsolicited Neighbour Advertisement with the override
     * flag to all nodes (IPv6) from the engine's MAC for each of {@code addresses} it answers for (an installed VIP
     * or an {@link #ownAddresses owned} address), so clients, switches and fallbacks send to this node at once (a
     * new master calls it on takeover, in bursts). Returns once the frames are queued on the packet thread.
     *
     * @return how many addresses were announced (the others are not the engine's to announce)
     * @throws IllegalStateException when the engine has not started
     */
    int announce(Collection<? extends InetAddress> addresses);

    /**
     * Takes up to {@code max} flow changes from the journal, oldest first: new flows, state changes, periodic
     * refreshes of live flows (each flow again once half its state's timeout has passed) and removals, plus the flows
     * of a pending {@link #exportFlows() export}. Empty without {@link #journalFlows()} or before start. Call from one
     * thread only (the sync sender): the journal has a single consumer. Changes the journal had no room for are
     * counted in {@link PacketEngine.Stats#flowSyncOverflows()}; the periodic refresh sends those flows later.
     *
     * @throws IllegalArgumentException when {@code max} is below 1
     */
    List<FlowUpdate> pollFlowUpdates(int max);

    /**
     * Queues every live flow for {@link #pollFlowUpdates}, in slices the journal has room for (what a sync sender does
     * when its peer connects, so a restarted backup learns the flows that exist already). No-op without a journal.
     */
    void exportFlows();

    /**
     * Applies flow changes the peer's sync sent (on the packet thread; returns once applied): creates each flow with
     * the backend the peer chose, updates its state, or removes it, without journaling them again. Changes for a
     * service or backend this node does not have are counted ({@link PacketEngine.Stats#flowSyncRejected()}) and
     * skipped.
     *
     * @return how many were applied
     * @throws IllegalStateException when the engine has not started
     */
    int applyFlowUpdates(List<FlowUpdate> updates);

    /**
     * How {@link PacketEngine} hands its hooks to {@link PairHooks#of} without a public method of its own (the JDK's
     * {@code SharedSecrets} pattern): the engine binds the factory once, in its static initialiser, which has run
     * before anyone holds an engine to ask about. Only {@code PacketEngine} calls {@link #bind}.
     */
    final class Binding {
        private static volatile Function<PacketEngine, PairHooks> factory;

        private Binding() {
        }

        /**
         * Sets the factory; once.
         *
         * @throws IllegalStateException when it is already set
         */
        public static synchronized void bind(Function<PacketEngine, PairHooks> hooksOfEngine) {
            Objects.requireNonNull(hooksOfEngine, "hooksOfEngine");
            if (factory != null) {
                throw new IllegalStateException("PairHooks already bound (expected: only PacketEngine binds them)");
            }
            factory = hooksOfEngine;
        }

        static Function<PacketEngine, PairHooks> factory() {
            Function<PacketEngine, PairHooks> f = factory;
            if (f == null) {
                throw new IllegalStateException("PairHooks not bound (expected: PacketEngine's initialiser binds"
                        + " them)");
            }
            return f;
        }
    }
}
