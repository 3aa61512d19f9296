package io.lb4j.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lb4j.api.check.PortCheck;
import io.lb4j.api.event.Draining;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.Halted;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.Online;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.event.RealServerUp;
import io.lb4j.api.event.Reconfigured;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.status.BalancerStatus;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.api.status.ServiceCounters;
import io.lb4j.api.status.ServiceStatus;

import java.util.List;
import java.util.Locale;

/**
 * The API's JSON shapes for status, events and audit entries, written explicitly (no reflection over lb4j types)
 * so the wire format stays stable when the Java records grow. Stateless, thread-safe.
 */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ObjectNode status(BalancerStatus status) {
        ObjectNode n = object();
        n.put("at", status.at().toString());
        n.put("running", status.running());
        ArrayNode services = n.putArray("services");
        status.services().forEach(s -> services.add(service(s)));
        return n;
    }

    static ObjectNode service(ServiceStatus s) {
        ObjectNode n = object();
        n.put("label", s.label());
        n.put("address", Addresses.text(s.address()));
        ArrayNode ports = n.putArray("ports");
        s.ports().forEach(ports::add);
        n.put("protocol", s.protocol().name());
        n.put("method", s.method().configName());
        n.put("onFallback", s.onFallback());
        int active = s.fallbackActiveConnections();
        ArrayNode reals = n.putArray("realServers");
        for (RealServerStatus r : s.realServers()) {
            reals.add(realServer(r));
            active += r.activeConnections();
        }
        n.put("activeConnections", active);
        if (s.fallbackAddress() != null) {
            n.putObject("fallback").put("address", Addresses.text(s.fallbackAddress()))
                    .put("activeConnections", s.fallbackActiveConnections());
        } else {
            n.putNull("fallback");
        }
        ServiceCounters c = s.counters();
        n.putObject("counters").put("clientIdleExpired", c.clientIdleExpired())
                .put("serverIdleExpired", c.serverIdleExpired()).put("refusedNoBackend", c.refusedNoBackend())
                .put("refusedAtCap", c.refusedAtCap()).put("udpSessionsEvicted", c.udpSessionsEvicted());
        return n;
    }

    static ObjectNode realServer(RealServerStatus r) {
        ObjectNode n = object();
        n.put("label", r.label());
        n.put("address", Addresses.text(r.address()));
        n.put("port", r.port());
        n.put("weight", r.weight());
        n.put("effectiveWeight", r.effectiveWeight());
        n.put("state", r.state().name());
        n.put("activeConnections", r.activeConnections());
        n.put("totalConnections", r.totalConnections());
        n.put("lastCheck", r.lastCheck());
        n.put("bytesToServer", r.bytesToServer());
        n.put("bytesToClient", r.bytesToClient());
        n.put("checkAttempts", r.checkAttempts());
        n.put("checkTime", r.checkTime().toString());
        ArrayNode ports = n.putArray("lastCheckPorts");
        for (PortCheck p : r.lastCheckPorts()) {
            // Milliseconds with microsecond precision: what a person reads, and a loopback connect is well under 1 ms.
            ports.addObject().put("port", p.port()).put("ok", p.ok()).put("reason", p.reason())
                    .put("latencyMs", p.latency().toNanos() / 1000 / 1000.0);
        }
        return n;
    }

    /** {@code type} is the event's simple class name, as the Java API names it. */
    static ObjectNode event(LbEvent e) {
        ObjectNode n = object();
        n.put("type", e.getClass().getSimpleName());
        n.put("at", e.at().toString());
        n.put("service", e.service());
        switch (e) {
            case RealServerDown d -> n.put("realServer", d.realServer()).put("reason", d.reason());
            case RealServerUp u -> n.put("realServer", u.realServer());
            case Halted h -> n.put("realServer", h.realServer());
            case Draining d -> n.put("realServer", d.realServer());
            case Online o -> n.put("realServer", o.realServer());
            case FailedOver f -> n.put("fallback", f.fallback()).put("reason", f.reason());
            case FailedBack f -> {
                ArrayNode reals = n.putArray("realServers");
                f.realServers().forEach(reals::add);
            }
            case Reconfigured r -> n.put("change", r.change());
        }
        return n;
    }

    static ArrayNode events(List<LbEvent> events) {
        ArrayNode a = MAPPER.createArrayNode();
        events.forEach(e -> a.add(event(e)));
        return a;
    }

    static ObjectNode audit(AuditEntry a) {
        return object().put("at", a.at().toString()).put("user", a.user()).put("remote", a.remote())
                .put("action", a.action()).put("target", a.target()).put("outcome", a.outcome())
                .put("count", a.count());
    }

    static ObjectNode error(String code, String message) {
        return object().put("error", code.toLowerCase(Locale.ROOT)).put("message", message);
    }
}
