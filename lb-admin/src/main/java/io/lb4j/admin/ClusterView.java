package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Reads the embedder's {@link ClusterControl} for the API, the status JSON and the event stream, as {@link PairView}
 * reads the pair's supplier: when the embedder's code throws or returns null, the server still answers (the status
 * carries {@code "cluster": {"error": ...}}, {@code GET /api/cluster} a 500) and logs it once, rather than failing
 * the whole status or the stream. Thread-safe.
 */
final class ClusterView {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterView.class);

    /** No cluster configured. */
    static final ClusterView NONE = new ClusterView(null);

    private final ClusterControl control;
    /** The last failure logged at WARN: every stream reads the status every 2 s, so a broken control logs once. */
    private volatile String lastFailure;

    ClusterView(ClusterControl control) {
        this.control = control;
    }

    /** Thrown when the embedder's control failed; the message is safe to show an operator. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * The cluster status now, or empty when this node is not in a cluster.
     *
     * @throws Unavailable when the control threw or returned null
     */
    Optional<ClusterStatus> read() {
        if (control == null) {
            return Optional.empty();
        }
        ClusterStatus s;
        try {
            s = control.status();
        } catch (RuntimeException e) {
            throw failed("cluster status unavailable: " + describe(e), e);
        }
        if (s == null) {
            throw failed("cluster status unavailable: the control returned null", null);
        }
        lastFailure = null;
        return Optional.of(s);
    }

    /**
     * Drains the node ({@code true}) or ends the drain.
     *
     * @throws java.util.NoSuchElementException when this node is not in a cluster
     * @throws Unavailable                      when the control threw
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
            throw new Unavailable((drain ? "drain" : "undrain") + " failed: " + describe(e), e);
        }
    }

    private static String describe(RuntimeException e) {
        return e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
    }

    private Unavailable failed(String message, RuntimeException cause) {
        if (!message.equals(lastFailure)) {
            lastFailure = message;
            LOG.warn("{} (logged once until it changes or recovers)", message, cause);
        } else {
            LOG.debug("{}", message, cause);
        }
        return new Unavailable(message, cause);
    }

    /** The {@code cluster} field of the status and the data of a {@code cluster} event: the object, null, or an error. */
    JsonNode json() {
        try {
            return read().<JsonNode>map(ClusterView::json).orElse(NullNode.getInstance());
        } catch (Unavailable e) {
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
