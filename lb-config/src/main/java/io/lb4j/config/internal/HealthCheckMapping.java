package io.lb4j.config.internal;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.NoProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.config.ConfigNode;
import io.lb4j.config.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A service's {@code healthCheck}, both ways. A single probe:
 *
 * <pre>{@code
 * healthCheck: { type: connect, ports: all, interval: 30s, timeout: 5s, failAfter: 10, riseAfter: 1 }
 * }</pre>
 *
 * or {@code all-of}, each probe on its own ports, mirroring {@code HealthCheck.allOf(CompositeProbe...)}:
 *
 * <pre>{@code
 * healthCheck:
 *   type: all-of
 *   interval: 30s
 *   probes:
 *     - { type: dicom-echo, ports: [104], calledAeTitle: MERGEPACS }
 *     - { type: http, ports: [80, 8080] }
 *   otherPorts: connect          # optional: the checked ports no probe names
 * }</pre>
 *
 * A type alone ({@code healthCheck: none}) is the check with that type's defaults. Stateless; thread-safe.
 */
final class HealthCheckMapping {

    private static final String WHAT = "healthCheck";

    private HealthCheckMapping() {
    }

    /** The check {@code node} describes, validated by {@link HealthCheck.Builder#build()}. */
    static HealthCheck read(ConfigNode node) {
        ConfigNode.Mapping m;
        String type;
        if (node instanceof ConfigNode.Scalar) {
            type = node.asOneOf(WHAT, Vocabulary.CHECK_TYPES);
            m = ConfigNode.Mapping.of(Map.of());
        } else {
            m = node.asMapping(WHAT);
            type = m.has("type") ? m.get("type").asOneOf(WHAT + ".type", Vocabulary.CHECK_TYPES) : "connect";
            m.checkKeys(Vocabulary.checkKeys(type), Vocabulary.named(type, WHAT));
        }
        String where = Vocabulary.named(type, WHAT);
        Probe probe = type.equals(Vocabulary.ALL_OF) ? allOf(m, node, where)
                : Locator.build(node, () -> ProbeMapping.read(m, node, type, WHAT, where));
        HealthCheck.Builder b = HealthCheck.of(probe);
        if (m.has("ports")) {
            ConfigNode ports = m.get("ports");
            if (ports instanceof ConfigNode.Scalar s && s.isString() && s.text().equals("all")) {
                b.allPorts();
            } else if (ports instanceof ConfigNode.Scalar s && s.isString() && !s.text().contains("-")) {
                throw ports.error(WHAT + ".ports: " + s.shown() + " (expected: all, or a port list such as [104,"
                        + " \"8000-8010\"])");
            } else {
                int[] list = IntLists.read(ports, WHAT + ".ports", IntLists.Kind.PORT);
                Locator.build(ports, () -> b.ports(list));
            }
        }
        if (m.has("interval")) {
            b.interval(m.get("interval").asDuration(WHAT + ".interval"));
        }
        if (m.has("timeout")) {
            b.timeout(m.get("timeout").asDuration(WHAT + ".timeout"));
        }
        if (m.has("jitter")) {
            b.jitter(m.get("jitter").asDuration(WHAT + ".jitter"));
        }
        if (m.has("failAfter")) {
            b.failAfter(m.get("failAfter").asInt(WHAT + ".failAfter", "an integer 1-1000"));
        }
        if (m.has("riseAfter")) {
            b.riseAfter(m.get("riseAfter").asInt(WHAT + ".riseAfter", "an integer 1-1000"));
        }
        if (m.has("spread")) {
            b.spread(m.get("spread").asBoolean(WHAT + ".spread"));
        }
        return Locator.build(node, b::build);
    }

    private static CompositeProbe allOf(ConfigNode.Mapping m, ConfigNode at, String where) {
        if (!m.has("probes")) {
            throw at.missing("probes", where);
        }
        ConfigNode probesNode = m.get("probes");
        List<CompositeProbe.Part> parts = new ArrayList<>();
        for (ConfigNode item : probesNode.asSequence(WHAT + ".probes").items()) {
            ConfigNode.Mapping p = item.asMapping("a probe of " + WHAT + ".probes");
            String type = p.required("type", "a probe of " + WHAT + ".probes")
                    .asOneOf(WHAT + ".probes.type", Vocabulary.PROBE_TYPES);
            String probeWhere = Vocabulary.named(type, "probe");
            p.checkKeys(Vocabulary.probeKeys(type), probeWhere);
            String prefix = WHAT + ".probes";
            Probe probe = Locator.build(p, () -> ProbeMapping.read(p, p, type, prefix, probeWhere));
            int[] ports = IntLists.read(p.required("ports", probeWhere), prefix + ".ports", IntLists.Kind.PORT);
            parts.add(Locator.build(p, () -> new CompositeProbe.Part(probe, Arrays.stream(ports).boxed().toList())));
        }
        Probe others = m.has("otherPorts") ? otherPorts(m.get("otherPorts")) : NoProbe.INSTANCE;
        return Locator.build(probesNode, () -> new CompositeProbe(parts, others));
    }

    private static Probe otherPorts(ConfigNode node) {
        String what = WHAT + ".otherPorts";
        if (node instanceof ConfigNode.Scalar) {
            String type = node.asOneOf(what, Vocabulary.OTHER_PORTS_TYPES);
            return Locator.build(node, () -> ProbeMapping.read(ConfigNode.Mapping.of(Map.of()), node, type, what,
                    Vocabulary.named(type, "probe")));
        }
        ConfigNode.Mapping m = node.asMapping(what);
        String type = m.required("type", what).asOneOf(what + ".type", Vocabulary.OTHER_PORTS_TYPES);
        m.checkKeys(Vocabulary.otherPortsKeys(type), what);
        return Locator.build(m, () -> ProbeMapping.read(m, m, type, what, Vocabulary.named(type, "probe")));
    }

    /**
     * {@code check} as a mapping with every value written out.
     *
     * @param field what a message calls the check, e.g. {@code services[PACS].healthCheck}
     * @throws IllegalArgumentException for a probe of the application's own type or a duration without a written form
     */
    static ConfigNode.Mapping write(HealthCheck check, String field) {
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        if (check.probe() instanceof CompositeProbe) {
            out.put("type", ConfigNode.Scalar.of(Vocabulary.ALL_OF));
        } else {
            ProbeMapping.write(check.probe(), out, field);
        }
        out.put("ports", check.ports().allPorts() ? ConfigNode.Scalar.of("all")
                : IntLists.write(check.ports().ports()));
        out.put("interval", duration(check.interval(), field + ".interval"));
        out.put("timeout", duration(check.timeout(), field + ".timeout"));
        out.put("jitter", duration(check.jitter(), field + ".jitter"));
        out.put("failAfter", ConfigNode.Scalar.of(check.failAfter()));
        out.put("riseAfter", ConfigNode.Scalar.of(check.riseAfter()));
        out.put("spread", ConfigNode.Scalar.of(check.spread()));
        if (check.probe() instanceof CompositeProbe c) {
            List<ConfigNode> probes = new ArrayList<>();
            for (CompositeProbe.Part part : c.parts()) {
                Map<String, ConfigNode> p = new LinkedHashMap<>();
                ProbeMapping.write(part.probe(), p, field + ".probes");
                Map<String, ConfigNode> withPorts = new LinkedHashMap<>();
                withPorts.put("type", p.remove("type"));
                withPorts.put("ports", IntLists.write(part.ports()));
                withPorts.putAll(p);
                probes.add(ConfigNode.Mapping.of(withPorts));
            }
            out.put("probes", ConfigNode.Sequence.of(probes));
            if (!(c.otherPorts() instanceof NoProbe)) {
                Map<String, ConfigNode> other = new LinkedHashMap<>();
                ProbeMapping.write(c.otherPorts(), other, field + ".otherPorts");
                out.put("otherPorts", ConfigNode.Mapping.of(other));
            }
        }
        return ConfigNode.Mapping.of(out);
    }

    /** A duration in the written form; the field is named when it has none. */
    static ConfigNode duration(Duration d, String field) {
        try {
            return ConfigNode.Scalar.of(Durations.format(d));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }
}
