package io.lb4j.ha.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.Fallback;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.Protocol;
import io.lb4j.api.RealServer;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CheckPorts;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.api.check.NoProbe;
import io.lb4j.api.check.Probe;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The replication format of a service list: JSON, one object per {@link VirtualService}, every field explicit
 * (defaults are written out, so both nodes agree even if a default changes between versions). Durations are
 * ISO-8601 strings ({@code "PT30S"}), addresses literals, enums their names. Documented in README-ha.md.
 *
 * <pre>{@code
 * {"format":"lb4j-services/1","services":[{"method":"DIRECT_ROUTING","label":"PACS","address":"192.168.100.100",
 *   "ports":[104,80],"protocol":"TCP","scheduler":"wlc","persistence":"PT0S",
 *   "failback":{"mode":"AUTOMATIC","holdDown":"PT0S"},
 *   "realServers":[{"label":"PrimaryCluster","address":"192.168.100.110","port":0,"weight":100,
 *                   "minConnections":0,"maxConnections":0}],
 *   "fallback":{"address":"192.168.100.120","port":0,"masquerade":true},
 *   "healthCheck":{"probe":{"type":"connect"},"allPorts":true,"ports":[],"interval":"PT30S","timeout":"PT5S",
 *                  "jitter":"PT0S","failAfter":10,"riseAfter":1}}]}
 * }</pre>
 *
 * <p>Decoding goes through the public builders, so a decoded list passes the same validation as a hand-built one;
 * any problem is an {@link IllegalArgumentException} naming the field. Probes of the user's own types and Maglev
 * with a non-default table size cannot be written (they have no portable description) and are rejected up front.
 */
public final class ServiceCodec {

    public static final String FORMAT = "lb4j-services/1";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ServiceCodec() {
    }

    /** The JSON bytes of {@code services}, in order. */
    public static byte[] encode(Collection<VirtualService> services) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode list = root.putArray("services");
        for (VirtualService s : services) {
            list.add(service(s));
        }
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("encoding services failed", e);
        }
    }

    /**
     * The services in {@code json}.
     *
     * @throws IllegalArgumentException when it is not this format or a service is invalid
     */
    public static List<VirtualService> decode(byte[] json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(new String(json, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("services: not JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException("format: " + (root == null ? "none" : root.path("format"))
                    + " (expected: \"" + FORMAT + "\")");
        }
        List<VirtualService> out = new ArrayList<>();
        for (JsonNode s : array(root, "services")) {
            out.add(service(s));
        }
        return out;
    }

    private static ObjectNode service(VirtualService s) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("method", s.method().name());
        n.put("label", s.label());
        n.put("address", s.address().getHostAddress());
        ArrayNode ports = n.putArray("ports");
        s.ports().forEach(ports::add);
        n.put("protocol", s.protocol().name());
        Scheduler scheduler = s.scheduler();
        if (scheduler.name().equals("mh") && !scheduler.equals(Scheduler.maglev())) {
            throw new IllegalArgumentException("services[" + s.label() + "].scheduler: " + scheduler
                    + " (expected: a replicable scheduler; Maglev with a custom table size is not)");
        }
        Scheduler.named(scheduler.name()); // a user's own scheduler has no name the peer can look up
        n.put("scheduler", scheduler.name());
        n.put("persistence", s.persistence().toString());
        ObjectNode failback = n.putObject("failback");
        failback.put("mode", s.failback().mode().name());
        failback.put("holdDown", s.failback().holdDown().toString());
        ArrayNode reals = n.putArray("realServers");
        for (RealServer r : s.realServers()) {
            ObjectNode rn = reals.addObject();
            rn.put("label", r.label());
            rn.put("address", r.address().getHostAddress());
            rn.put("port", r.port());
            rn.put("weight", r.weight());
            rn.put("minConnections", r.minConnections());
            rn.put("maxConnections", r.maxConnections());
        }
        s.fallback().ifPresent(f -> {
            ObjectNode fn = n.putObject("fallback");
            fn.put("address", f.address().getHostAddress());
            fn.put("port", f.port());
            fn.put("masquerade", f.masquerade());
        });
        HealthCheck h = s.healthCheck();
        ObjectNode hn = n.putObject("healthCheck");
        hn.set("probe", probe(h.probe(), "services[" + s.label() + "].healthCheck"));
        hn.put("allPorts", h.ports().allPorts());
        ArrayNode hp = hn.putArray("ports");
        h.ports().ports().forEach(hp::add);
        hn.put("interval", h.interval().toString());
        hn.put("timeout", h.timeout().toString());
        hn.put("jitter", h.jitter().toString());
        hn.put("failAfter", h.failAfter());
        hn.put("riseAfter", h.riseAfter());
        return n;
    }

    private static ObjectNode probe(Probe p, String field) {
        ObjectNode n = MAPPER.createObjectNode();
        switch (p) {
            case ConnectProbe c -> n.put("type", "connect");
            case NoProbe none -> n.put("type", "none");
            case HttpProbe h -> {
                n.put("type", "http");
                n.put("tls", h.tls());
                n.put("method", h.method());
                n.put("path", h.path());
                h.host().ifPresent(v -> n.put("host", v));
                ArrayNode st = n.putArray("expectedStatus");
                h.expectedStatus().stream().sorted().forEach(st::add);
                h.bodyPattern().ifPresent(v -> n.put("bodyPattern", v));
                n.put("insecure", h.insecure());
            }
            case DicomEchoProbe d -> {
                n.put("type", "dicomEcho");
                n.put("callingAeTitle", d.callingAeTitle());
                n.put("calledAeTitle", d.calledAeTitle());
            }
            case Hl7Probe h -> {
                n.put("type", "hl7");
                n.put("template", h.template());
            }
            case NegotiateProbe ng -> {
                n.put("type", "negotiate");
                n.put("send", ng.send());
                n.put("expect", ng.expect());
            }
            case ExternalProbe e -> {
                n.put("type", "external");
                n.put("script", e.script().toString());
                n.put("checkSource", e.checkSource());
            }
            case CompositeProbe c -> {
                n.put("type", "allOf");
                ArrayNode parts = n.putArray("parts");
                for (CompositeProbe.Part part : c.parts()) {
                    ObjectNode pn = parts.addObject();
                    pn.set("probe", probe(part.probe(), field));
                    ArrayNode ports = pn.putArray("ports");
                    part.ports().forEach(ports::add);
                }
                n.set("otherPorts", probe(c.otherPorts(), field));
            }
            default -> throw new IllegalArgumentException(field + ".probe: " + p.getClass().getName()
                    + " (expected: a built-in probe; a custom probe has no portable description to replicate)");
        }
        return n;
    }

    private static VirtualService service(JsonNode n) {
        String label = text(n, "label");
        VirtualService.Builder b = VirtualService.builder(ForwardingMethod.valueOf(text(n, "method")))
                .label(label).address(address(n, "address"))
                .ports(ints(n, "ports"))
                .protocol(Protocol.valueOf(text(n, "protocol")))
                .scheduler(Scheduler.named(text(n, "scheduler")))
                .persistence(Duration.parse(text(n, "persistence")));
        JsonNode fb = n.path("failback");
        b.failback(new FailbackPolicy(FailbackPolicy.Mode.valueOf(text(fb, "mode")),
                Duration.parse(text(fb, "holdDown"))));
        for (JsonNode r : array(n, "realServers")) {
            b.real(new RealServer(text(r, "label"), address(r, "address"), r.path("port").asInt(),
                    r.path("weight").asInt(), r.path("minConnections").asInt(), r.path("maxConnections").asInt()));
        }
        JsonNode f = n.get("fallback");
        if (f != null && !f.isNull()) {
            b.fallback(new Fallback(address(f, "address"), f.path("port").asInt(), f.path("masquerade").asBoolean()));
        }
        JsonNode h = n.path("healthCheck");
        HealthCheck.Builder hb = HealthCheck.of(probe(h.path("probe")));
        if (h.path("allPorts").asBoolean(true)) {
            hb.allPorts();
        } else {
            hb.ports(ints(h, "ports"));
        }
        hb.interval(Duration.parse(text(h, "interval"))).timeout(Duration.parse(text(h, "timeout")))
                .jitter(Duration.parse(text(h, "jitter"))).failAfter(h.path("failAfter").asInt())
                .riseAfter(h.path("riseAfter").asInt());
        b.healthCheck(hb.build());
        return b.build();
    }

    private static Probe probe(JsonNode n) {
        String type = text(n, "type");
        return switch (type) {
            case "connect" -> new ConnectProbe();
            case "none" -> new NoProbe();
            case "http" -> {
                Set<Integer> status = new HashSet<>();
                for (int s : ints(n, "expectedStatus")) {
                    status.add(s);
                }
                yield new HttpProbe(n.path("tls").asBoolean(), text(n, "method"), text(n, "path"),
                        optional(n, "host"), status, optional(n, "bodyPattern"), n.path("insecure").asBoolean());
            }
            case "dicomEcho" -> new DicomEchoProbe(text(n, "callingAeTitle"), text(n, "calledAeTitle"));
            case "hl7" -> new Hl7Probe(text(n, "template"));
            case "negotiate" -> new NegotiateProbe(text(n, "send"), text(n, "expect"));
            case "external" -> new ExternalProbe(Path.of(text(n, "script")), n.path("checkSource").isNull()
                    ? null : n.path("checkSource").asText(null));
            case "allOf" -> {
                List<CompositeProbe.Part> parts = new ArrayList<>();
                for (JsonNode part : array(n, "parts")) {
                    List<Integer> ports = new ArrayList<>();
                    for (int p : ints(part, "ports")) {
                        ports.add(p);
                    }
                    parts.add(new CompositeProbe.Part(probe(part.path("probe")), ports));
                }
                yield new CompositeProbe(parts, probe(n.path("otherPorts")));
            }
            default -> throw new IllegalArgumentException("probe.type: \"" + type
                    + "\" (expected: connect, none, http, dicomEcho, hl7, negotiate, external or allOf)");
        };
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(field + ": " + v + " (expected: a string)");
        }
        return v.asText();
    }

    private static Optional<String> optional(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
    }

    private static Iterable<JsonNode> array(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) {
            throw new IllegalArgumentException(field + ": " + v + " (expected: an array)");
        }
        return v;
    }

    private static int[] ints(JsonNode n, String field) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode v : array(n, field)) {
            if (!v.canConvertToInt()) {
                throw new IllegalArgumentException(field + ": " + v + " (expected: integers)");
            }
            out.add(v.asInt());
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static InetAddress address(JsonNode n, String field) {
        String literal = text(n, field);
        if (!literal.matches("[0-9a-fA-F.:%]+")) {
            throw new IllegalArgumentException(field + ": \"" + literal + "\" (expected: an IP address literal)");
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(field + ": \"" + literal + "\" (expected: an IP address literal)");
        }
    }
}
