package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * Reads the embedder's {@link ClusterControl} for the API, the status JSON and the event stream, as {@link PairView}
 * reads the pair's supplier (through {@link Supplied}: when the control throws or returns null, the server still
 * answers, the status carrying {@code "cluster": {"error": ...}} and {@code GET /api/cluster} a 500), and passes the
 * operator's drain on. Thread-safe.
 */
final class ClusterView {

    /** No cluster configured. */
    static final ClusterView NONE = new ClusterView(null);

    private final ClusterControl control; // null: not in a cluster
    private final Supplied<ClusterStatus> status;

    ClusterView(ClusterControl control) {
        this.control = control;
        this.status = control == null ? null
                : new Supplied<>(ClusterView.class, "cluster status", "control", control::status);
    }

    /**
     * The cluster status now, or empty when this node is not in a cluster.
     *
     * @throws Supplied.Unavailable when the control threw or returned null
     */
    Optional<ClusterStatus> read() {
        return control == null ? Optional.empty() : Optional.of(status.get());
    }

    /**
     * Drains the node ({@code true}) or ends the drain.
     *
     * @throws java.util.NoSuchElementException when this node is not in a cluster
     * @throws Supplied.Unavailable             when the control threw
     */
    void drain(boolean drain) {
        if (control == null) {
            throw new java.util.NoSuchElementException("no active-active cluster: this node announces no routes");
        }
        try {
            if (drain) {
                control.drain();
            } else {
                control.undrain();
            }
        } catch (RuntimeException e) {
            throw new Supplied.Unavailable((drain ? "drain" : "undrain") + " failed: " + Supplied.describe(e), e);
        }
    }

    /** The {@code cluster} field of the status and the data of a {@code cluster} event: the object, null, or an error. */
    JsonNode json() {
        try {
            return read().<JsonNode>map(ClusterView::json).orElse(NullNode.getInstance());
        } catch (Supplied.Unavailable e) {
            return Json.object().put("error", e.getMessage());
        }
    }

    static ObjectNode json(ClusterStatus c) {
        ObjectNode n = Json.object();
        n.put("daemon", c.daemon());
        n.put("socket", c.socket());
        n.put("localAs", c.localAs());
        ArrayNode neighbours = n.putArray("neighbours");
        c.neighbours().forEach(r -> neighbours.addObject().put("address", r.address()).put("as", r.as()));
        n.put("bfd", c.bfd());
        n.put("drained", c.drained());
        ArrayNode routes = n.putArray("routes");
        for (ClusterStatus.Route r : c.routes()) {
            routes.addObject().put("vip", r.vip()).put("state", r.state())
                    .put("since", r.since() == null ? null : r.since().toString()).put("reason", r.reason());
        }
        return n;
    }
}
