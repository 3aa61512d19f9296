package io.lb4j.admin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.Fallback;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.RealServer;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.api.check.Probe;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The default {@link ConfigCodec}: JSON with the appliance runner's YAML keys. Values go through the lb4j builders,
 * whose messages are passed on with the JSON path of the field they concern. Stateless, thread-safe.
 */
final class JsonConfigCodec implements ConfigCodec {

    // The keys and value forms come from ConfigCodec.Format, which the appliance runner's YAML loader also uses.

    static final JsonConfigCodec INSTANCE = new JsonConfigCodec();

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** The field a builder message starts with: {@code "realServer[Primary].weight: 70000 (expected: ...)"}. */
    private static final Pattern MESSAGE_FIELD = Pattern.compile("^([\\w.]+(?:\\[[^\\]]*])?(?:\\.[\\w.]+)?):");

    private static final Set<String> TOP_KEYS = Set.of("services");

    private JsonConfigCodec() {
    }

    @Override
    public String mediaType() {
        return "application/json";
    }

    // ------------------------------------------------------------------------------------------------ encode

    @Override
    public String encode(List<VirtualService> services) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode list = root.putArray("services");
        services.forEach(s -> list.add(encode(s)));
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static ObjectNode encode(VirtualService s) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("label", s.label());
        n.put("address", s.address().getHostAddress());
        ArrayNode ports = n.putArray("ports");
        s.ports().forEach(ports::add);
        n.put("protocol", s.protocol().name().toLowerCase(Locale.ROOT));
        n.put("forwarding", s.method().configName());
        n.put("scheduler", s.scheduler().name());
        n.put("persistence", duration(s.persistence()));
        FailbackPolicy fb = s.failback();
        switch (fb.mode()) {
            case AUTOMATIC -> n.put("failback", "automatic");
            case MANUAL -> n.put("failback", "manual");
            case HOLD_DOWN -> n.putObject("failback").put("holdDown", duration(fb.holdDown()));
        }
        n.set("healthCheck", encode(s.healthCheck()));
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
        s.fallback().ifPresent(f -> n.putObject("fallback").put("address", f.address().getHostAddress())
                .put("port", f.port()).put("masquerade", f.masquerade()));
        return n;
    }

    private static ObjectNode encode(HealthCheck h) {
        ObjectNode n = MAPPER.createObjectNode();
        Probe p = h.probe();
        switch (p) {
            case HttpProbe http -> {
                n.put("type", http.tls() ? "https" : "http");
                n.put("method", http.method());
                n.put("path", http.path());
                http.host().ifPresent(v -> n.put("host", v));
                ArrayNode st = n.putArray("expectStatus");
                new TreeSet<>(http.expectedStatus()).forEach(st::add);
                http.bodyPattern().ifPresent(v -> n.put("bodyPattern", v));
                if (http.tls()) {
                    n.put("insecure", http.insecure());
                }
            }
            case DicomEchoProbe d -> n.put("type", "dicom-echo").put("callingAeTitle", d.callingAeTitle())
                    .put("calledAeTitle", d.calledAeTitle());
            case Hl7Probe hl7 -> n.put("type", "hl7").put("message", hl7.template());
            case NegotiateProbe neg -> n.put("type", "negotiate").put("send", neg.send()).put("expect", neg.expect());
            case ExternalProbe ext -> n.put("type", "external").put("script", ext.script().toString())
                    .put("checkSource", ext.checkSource());
            // connect, none; composite and user-defined probes are written by type only and cannot be read back.
            default -> n.put("type", p.type());
        }
        if (h.ports().allPorts()) {
            n.put("ports", "all");
        } else {
            ArrayNode ports = n.putArray("ports");
            h.ports().ports().forEach(ports::add);
        }
        n.put("interval", duration(h.interval()));
        n.put("timeout", duration(h.timeout()));
        n.put("jitter", duration(h.jitter()));
        n.put("failAfter", h.failAfter());
        n.put("riseAfter", h.riseAfter());
        return n;
    }

    static String duration(Duration d) {
        return Format.formatDuration(d);
    }

    // ------------------------------------------------------------------------------------------------ decode

    @Override
    public List<VirtualService> decode(String text) {
        JsonNode root;
        try {
            root = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new InvalidConfigException(loc == null ? "" : "line " + loc.getLineNr() + ", column "
                    + loc.getColumnNr(), "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidConfigException("", "expected a JSON object {\"services\": [...]}");
        }
        checkKeys(root, TOP_KEYS, "");
        JsonNode list = root.get("services");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new InvalidConfigException("services", "services: " + (list == null ? "missing" : list)
                    + " (expected: a list of at least one service)");
        }
        List<VirtualService> services = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            services.add(service(list.get(i), "services[" + i + "]"));
        }
        try {
            LoadBalancer.Builder.validateServices(services);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(locate("services", e.getMessage(), services, null), e.getMessage(), e);
        }
        return services;
    }

    private static VirtualService service(JsonNode m, String at) {
        object(m, at);
        checkKeys(m, Format.SERVICE_KEYS, at);
        String label = string(m, "label", at, null);
        ForwardingMethod method = m.has("forwarding")
                ? built(at + ".forwarding", () -> ForwardingMethod.fromConfigName(string(m, "forwarding", at, null)))
                : ForwardingMethod.PROXY;
        VirtualService.Builder b = VirtualService.builder(method).label(label).address(string(m, "address", at, null));
        JsonNode ports = m.get("ports");
        if (ports == null) {
            throw new InvalidConfigException(at + ".ports", "ports: missing (expected: a list of ports 1-65535)");
        }
        List<JsonNode> items = ports.isArray() ? list(ports) : List.of(ports);
        for (int i = 0; i < items.size(); i++) {
            JsonNode p = items.get(i);
            String where = at + ".ports" + (ports.isArray() ? "[" + i + "]" : "");
            int[] range = p.isTextual() ? Format.portRange(p.asText()).orElse(null) : null;
            if (range != null) {
                run(where, () -> b.portRange(range[0], range[1]));
            } else if (p.isInt()) {
                b.ports(p.intValue());
            } else {
                throw new InvalidConfigException(where, "ports: " + p + " (expected: a port 1-65535 or a range"
                        + " such as \"8000-8010\")");
            }
        }
        if (m.has("protocol")) {
            String proto = string(m, "protocol", at, null);
            if (!proto.equals("tcp") && !proto.equals("udp")) {
                throw new InvalidConfigException(at + ".protocol", "protocol: \"" + proto + "\" (expected: tcp, udp)");
            }
            b.protocol(Protocol.valueOf(proto.toUpperCase(Locale.ROOT)));
        }
        if (m.has("scheduler")) {
            b.scheduler(built(at + ".scheduler", () -> Scheduler.named(string(m, "scheduler", at, null))));
        }
        if (m.has("persistence")) {
            b.persistence(duration(m.get("persistence"), at + ".persistence", "persistence"));
        }
        if (m.has("failback")) {
            b.failback(failback(m.get("failback"), at + ".failback"));
        }
        if (m.has("healthCheck")) {
            b.healthCheck(healthCheck(m.get("healthCheck"), at + ".healthCheck"));
        }
        if (m.has("realServers")) {
            JsonNode reals = m.get("realServers");
            if (!reals.isArray()) {
                throw new InvalidConfigException(at + ".realServers", "realServers: " + reals + " (expected: a list)");
            }
            for (int i = 0; i < reals.size(); i++) {
                b.real(realServer(reals.get(i), at + ".realServers[" + i + "]"));
            }
        }
        if (m.has("fallback") && !m.get("fallback").isNull()) {
            b.fallback(fallback(m.get("fallback"), at + ".fallback"));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new InvalidConfigException(locate(at, e.getMessage(), null, m), message(e), e);
        }
    }

    private static RealServer realServer(JsonNode m, String at) {
        object(m, at);
        checkKeys(m, Format.REAL_SERVER_KEYS, at);
        String label = string(m, "label", at, null);
        String address = string(m, "address", at, null);
        RealServer.Builder b = built(at + ".address", () -> RealServer.builder(label, address))
                .port(integer(m, "port", at, 0)).weight(integer(m, "weight", at, RealServer.DEFAULT_WEIGHT))
                .minConnections(integer(m, "minConnections", at, 0))
                .maxConnections(integer(m, "maxConnections", at, 0));
        return built(at, b::build);
    }

    private static Fallback fallback(JsonNode m, String at) {
        object(m, at);
        checkKeys(m, Format.FALLBACK_KEYS, at);
        String address = string(m, "address", at, null);
        Fallback.Builder b = built(at + ".address", () -> Fallback.builder(address)).port(integer(m, "port", at, 0));
        if (m.has("masquerade")) {
            if (!m.get("masquerade").isBoolean()) {
                throw new InvalidConfigException(at + ".masquerade", "fallback.masquerade: " + m.get("masquerade")
                        + " (expected: true or false)");
            }
            b.masquerade(m.get("masquerade").booleanValue());
        }
        return built(at, b::build);
    }

    private static FailbackPolicy failback(JsonNode n, String at) {
        if (n.isTextual()) {
            return switch (n.asText()) {
                case "automatic" -> FailbackPolicy.automatic();
                case "manual" -> FailbackPolicy.manual();
                default -> throw new InvalidConfigException(at, "failback: " + n + " (expected: automatic, manual, or"
                        + " {\"holdDown\": \"5m\"})");
            };
        }
        object(n, at);
        checkKeys(n, Format.FAILBACK_KEYS, at);
        if (!n.has("holdDown")) {
            throw new InvalidConfigException(at + ".holdDown", "failback.holdDown: missing (expected: a duration)");
        }
        Duration d = duration(n.get("holdDown"), at + ".holdDown", "failback.holdDown");
        return built(at + ".holdDown", () -> FailbackPolicy.holdDown(d));
    }

    private static HealthCheck healthCheck(JsonNode n, String at) {
        JsonNode m = n.isTextual() ? MAPPER.createObjectNode().put("type", n.asText()) : n;
        object(m, at);
        String type = m.has("type") ? string(m, "type", at, null) : "connect";
        if (!Format.HEALTH_CHECK_TYPES.contains(type)) {
            throw new InvalidConfigException(at + ".type", "healthCheck.type: \"" + type + "\" (expected: "
                    + String.join(", ", Format.HEALTH_CHECK_TYPES) + ")");
        }
        checkKeys(m, Format.healthCheckKeys(type), at);
        HealthCheck.Builder b = built(at, () -> switch (type) {
            case "none" -> HealthCheck.none();
            case "http", "https" -> {
                HttpProbe probe = HttpProbe.request(string(m, "method", at, "GET"), string(m, "path", at, "/"));
                if (m.has("host")) {
                    probe = probe.host(string(m, "host", at, null));
                }
                if (m.has("expectStatus")) {
                    JsonNode st = m.get("expectStatus");
                    List<JsonNode> items = st.isArray() ? list(st) : List.of(st);
                    int[] statuses = new int[items.size()];
                    for (int i = 0; i < statuses.length; i++) {
                        if (!items.get(i).isInt()) {
                            throw new InvalidConfigException(at + ".expectStatus", "healthCheck.expectStatus: "
                                    + items.get(i) + " (expected: an HTTP status 100-599)");
                        }
                        statuses[i] = items.get(i).intValue();
                    }
                    probe = probe.expectStatus(statuses);
                }
                if (m.has("bodyPattern")) {
                    probe = probe.bodyMatches(string(m, "bodyPattern", at, null));
                }
                if (type.equals("https")) {
                    probe = probe.tls(true);
                    if (m.has("insecure") && m.get("insecure").asBoolean(false)) {
                        probe = probe.insecure(true);
                    }
                    yield HealthCheck.https(probe);
                }
                yield HealthCheck.http(probe);
            }
            case "dicom-echo" -> HealthCheck.dicomEcho(DicomEchoProbe.of(
                    string(m, "callingAeTitle", at, DicomEchoProbe.DEFAULT_CALLING_AE_TITLE),
                    string(m, "calledAeTitle", at, DicomEchoProbe.DEFAULT_CALLED_AE_TITLE)));
            case "hl7" -> m.has("message") ? HealthCheck.hl7(Hl7Probe.template(string(m, "message", at, null)))
                    : HealthCheck.hl7();
            case "negotiate" -> HealthCheck.negotiate(string(m, "send", at, ""), string(m, "expect", at, null));
            case "external" -> HealthCheck.external(ExternalProbe.of(Path.of(string(m, "script", at, null)))
                    .withCheckSource(string(m, "checkSource", at, "")));
            default -> HealthCheck.connect();
        });
        if (m.has("ports")) {
            JsonNode p = m.get("ports");
            if (p.isTextual() && p.asText().equals("all")) {
                b.allPorts();
            } else {
                List<JsonNode> items = p.isArray() ? list(p) : List.of(p);
                int[] ports = new int[items.size()];
                for (int i = 0; i < ports.length; i++) {
                    if (!items.get(i).isInt()) {
                        throw new InvalidConfigException(at + ".ports", "healthCheck.ports: " + p
                                + " (expected: \"all\", or a list of ports 1-65535)");
                    }
                    ports[i] = items.get(i).intValue();
                }
                run(at + ".ports", () -> b.ports(ports));
            }
        }
        if (m.has("interval")) {
            b.interval(duration(m.get("interval"), at + ".interval", "healthCheck.interval"));
        }
        if (m.has("timeout")) {
            b.timeout(duration(m.get("timeout"), at + ".timeout", "healthCheck.timeout"));
        }
        if (m.has("jitter")) {
            b.jitter(duration(m.get("jitter"), at + ".jitter", "healthCheck.jitter"));
        }
        if (m.has("failAfter")) {
            b.failAfter(integer(m, "failAfter", at, 0));
        }
        if (m.has("riseAfter")) {
            b.riseAfter(integer(m, "riseAfter", at, 0));
        }
        return built(at, b::build, "healthCheck");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Runs a builder step; its exception becomes one naming {@code at} plus the field its message names. */
    private static <T> T built(String at, Supplier<T> step) {
        return built(at, step, null);
    }

    private static <T> T built(String at, Supplier<T> step, String prefix) {
        try {
            return step.get();
        } catch (InvalidConfigException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException e) {
            String path = at;
            String field = field(e.getMessage());
            if (prefix != null && field != null && field.startsWith(prefix + ".")) {
                path = at + field.substring(prefix.length());
            } else if (field != null && field.startsWith("realServer[") && field.contains("].")) {
                path = at + field.substring(field.indexOf("].") + 1);
            }
            throw new InvalidConfigException(path, message(e), e);
        }
    }

    private static void run(String at, Runnable step) {
        built(at, () -> {
            step.run();
            return null;
        });
    }

    private static String message(RuntimeException e) {
        // NullPointerException from Objects.requireNonNull carries only the field's name.
        return e instanceof NullPointerException ? e.getMessage() + ": missing" : e.getMessage();
    }

    private static String field(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = MESSAGE_FIELD.matcher(message);
        return m.find() ? m.group(1) : null;
    }

    /**
     * Maps the field a builder's message names to a JSON path under {@code at}: {@code realServer[Primary].port}
     * to {@code at.realServers[0].port}, {@code services[PACS].ports} to {@code services[2].ports}.
     */
    static String locate(String at, String message, List<VirtualService> services, JsonNode service) {
        String field = field(message);
        if (field == null) {
            return at;
        }
        Matcher indexed = Pattern.compile("^(\\w+)\\[([^\\]]*)](.*)$").matcher(field);
        if (indexed.matches()) {
            String kind = indexed.group(1);
            String label = indexed.group(2);
            String rest = indexed.group(3);
            if (kind.equals("services") && services != null) {
                for (int i = 0; i < services.size(); i++) {
                    if (services.get(i).label().equals(label)) {
                        return "services[" + i + "]" + rest;
                    }
                }
            }
            if (kind.equals("realServer") && service != null && service.get("realServers") != null) {
                JsonNode reals = service.get("realServers");
                for (int i = 0; i < reals.size(); i++) {
                    if (label.equals(reals.get(i).path("label").asText(null))) {
                        return at + ".realServers[" + i + "]" + rest;
                    }
                }
            }
            return at;
        }
        if (field.equals("services")) {
            return "services";
        }
        if (field.startsWith("realServer.")) {
            return at + ".realServers";
        }
        return at + "." + field;
    }

    private static void object(JsonNode n, String at) {
        if (n == null || !n.isObject()) {
            throw new InvalidConfigException(at, "expected an object, found " + (n == null ? "nothing" : n));
        }
    }

    private static void checkKeys(JsonNode m, Set<String> allowed, String at) {
        for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new InvalidConfigException(at.isEmpty() ? key : at + "." + key, "unknown key \"" + key
                        + "\" (expected: one of " + new TreeSet<>(allowed) + ")");
            }
        }
    }

    private static String string(JsonNode m, String key, String at, String orElse) {
        JsonNode v = m.get(key);
        if (v == null || v.isNull()) {
            if (orElse == null) {
                throw new InvalidConfigException(at + "." + key, key + ": missing (expected: a string)");
            }
            return orElse;
        }
        if (!v.isTextual()) {
            throw new InvalidConfigException(at + "." + key, key + ": " + v + " (expected: a string)");
        }
        return v.asText();
    }

    private static int integer(JsonNode m, String key, String at, int orElse) {
        JsonNode v = m.get(key);
        if (v == null || v.isNull()) {
            return orElse;
        }
        if (!v.isInt()) {
            throw new InvalidConfigException(at + "." + key, key + ": " + v + " (expected: an integer)");
        }
        return v.intValue();
    }

    private static Duration duration(JsonNode n, String at, String field) {
        String text = n.isTextual() ? n.asText() : n.isInt() && n.intValue() == 0 ? "0" : null;
        try {
            if (text != null) {
                return Format.parseDuration(text);
            }
        } catch (IllegalArgumentException e) {
            // reported below, with the JSON value as written
        }
        throw new InvalidConfigException(at, field + ": " + n + " (expected: " + Format.DURATION_FORMS + ")");
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
