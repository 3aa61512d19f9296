package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads the embedder's {@link PairStatus} supplier for the API, the status JSON and the event stream. The supplier is
 * the embedder's code, called on request threads: when it throws or returns null, the server still answers (the
 * status carries {@code "pair": {"error": ...}}, {@code GET /api/pair} a 500) and logs it, rather than failing the
 * whole status or the stream. Thread-safe.
 */
final class PairView {

    private static final Logger LOG = LoggerFactory.getLogger(PairView.class);

    /** No pair view configured. */
    static final PairView NONE = new PairView(null);

    private final Supplier<Optional<PairStatus>> supplier;
    /** The last failure logged at WARN: every stream reads the status every 2 s, so a broken supplier logs once. */
    private volatile String lastFailure;

    PairView(Supplier<Optional<PairStatus>> supplier) {
        this.supplier = supplier;
    }

    /** Thrown by {@link #read()} when the supplier failed; the message is safe to show an operator. */
    static final class Unavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * The pair status now, or empty when this node has no pair.
     *
     * @throws Unavailable when the supplier threw or returned null
     */
    Optional<PairStatus> read() {
        if (supplier == null) {
            return Optional.empty();
        }
        Optional<PairStatus> p;
        try {
            p = supplier.get();
        } catch (RuntimeException e) {
            throw failed("pair status unavailable: " + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : ""), e);
        }
        if (p == null) {
            throw failed("pair status unavailable: the supplier returned null", null);
        }
        lastFailure = null;
        return p;
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

    /** The {@code pair} field of the status and the data of a {@code pair} event: the object, null, or an error. */
    JsonNode json() {
        try {
            return read().<JsonNode>map(PairView::json).orElse(NullNode.getInstance());
        } catch (Unavailable e) {
            return Json.object().put("error", e.getMessage());
        }
    }

    static ObjectNode json(PairStatus p) {
        ObjectNode n = Json.object();
        n.put("state", p.state());
        n.put("vrid", p.vrid());
        n.put("priority", p.priority());
        ArrayNode vips = n.putArray("virtualAddresses");
        p.virtualAddresses().forEach(vips::add);
        n.put("role", p.role());
        n.put("peer", p.peer());
        n.put("since", p.since() == null ? null : p.since().toString());
        n.put("reason", p.reason());
        ArrayNode links = n.putArray("links");
        for (PairStatus.Link l : p.links()) {
            links.addObject().put("channel", l.channel()).put("peer", l.peer()).put("state", l.state())
                    .put("since", l.since().toString()).put("detail", l.detail()).put("error", l.isError());
        }
        return n;
    }
}
