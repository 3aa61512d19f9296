package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads the embedder's {@link PairStatus} supplier for the API, the status JSON and the event stream, through
 * {@link Supplied}: when the supplier throws or returns null, the server still answers (the status carries
 * {@code "pair": {"error": ...}}, {@code GET /api/pair} a 500) and logs it once. Thread-safe.
 */
final class PairView {

    /** No pair view configured. */
    static final PairView NONE = new PairView(null);

    private final Supplied<Optional<PairStatus>> supplied; // null: no pair view

    PairView(Supplier<Optional<PairStatus>> supplier) {
        this.supplied = supplier == null ? null : new Supplied<>(PairView.class, "pair status", "supplier", supplier);
    }

    /**
     * The pair status now, or empty when this node has no pair.
     *
     * @throws Supplied.Unavailable when the supplier threw or returned null
     */
    Optional<PairStatus> read() {
        return supplied == null ? Optional.empty() : supplied.get();
    }

    /** The {@code pair} field of the status and the data of a {@code pair} event: the object, null, or an error. */
    JsonNode json() {
        try {
            return read().<JsonNode>map(PairView::json).orElse(NullNode.getInstance());
        } catch (Supplied.Unavailable e) {
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
