package io.lb4j.admin;

/**
 * The admin server's handle on the active-active cluster node it runs on: what {@code GET /api/cluster} and the page's
 * cluster panel show, and the operator's drain ({@code POST /api/cluster/drain}, {@code /undrain}). lb-admin does not
 * depend on lb-ha: the embedder that announces the node's routes implements this over its announcer and hands it to
 * {@link AdminServer.Builder#cluster}, and calls {@link AdminServer#clusterChanged()} on every change of a route so
 * open pages update at once.
 *
 * <p>Contract: thread-safe; called on request threads. {@link #status()} is cheap (every status read and every event
 * stream's periodic status calls it). {@link #drain()} and {@link #undrain()} are idempotent and return once the
 * node acted on them (a drained node's routes withdrawn, or the daemon's refusal recorded in the route's state);
 * they throw only when the node cannot act at all, with a message for the operator.
 */
public interface ClusterControl {

    /** The cluster node's state now. */
    ClusterStatus status();

    /**
     * Takes this node out of the cluster: withdraws every VIP's route, so the routers send its flows to the other
     * nodes, until {@link #undrain()}. Established flows move with ECMP's re-hash.
     */
    void drain();

    /** Ends a {@link #drain()}: the VIPs this node can serve are announced again. */
    void undrain();
}
