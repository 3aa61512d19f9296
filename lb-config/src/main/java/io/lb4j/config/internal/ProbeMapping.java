package io.lb4j.config.internal;

import io.lb4j.api.check.AgentProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.api.check.DicomTls;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.api.check.NoProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.config.ConfigNode;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One probe and its own keys, both ways: {@code type: https} with {@code path}, {@code method}, {@code host},
 * {@code expectStatus}, {@code bodyPattern}, {@code insecure}; {@code dicom-echo} with the AE titles and {@code tls};
 * {@code dicom-find} with those, {@code studyInstanceUid} and {@code patientId}; {@code hl7} with {@code message};
 * {@code negotiate} with {@code send} and {@code expect}; {@code external} with {@code script}, {@code checkSource}
 * and {@code dynamicWeight}; {@code agent} (a health check only, never a part of {@code all-of}) with {@code port}
 * and {@code send}; {@code connect} and {@code none} with nothing. Used for a health check, for each of
 * {@code all-of}'s probes and for its {@code otherPorts}. Stateless; thread-safe.
 */
final class ProbeMapping {

    private ProbeMapping() {
    }

    /**
     * The probe of {@code type} that {@code m}'s keys describe (the caller has checked the keys and handles
     * {@code all-of}).
     *
     * @param at     where a missing required key is reported: {@code m}, or the single value written for it
     * @param prefix what messages call the mapping's values, e.g. {@code healthCheck} for {@code healthCheck.path}
     * @param where  what messages call the mapping, e.g. {@code a negotiate healthCheck}
     */
    static Probe read(ConfigNode.Mapping m, ConfigNode at, String type, String prefix, String where) {
        return switch (type) {
            case "connect" -> ConnectProbe.INSTANCE;
            case "none" -> NoProbe.INSTANCE;
            case "http", "https" -> {
                String method = string(m, "method", prefix, "GET");
                String path = string(m, "path", prefix, "/");
                Optional<String> host = Optional.ofNullable(string(m, "host", prefix, null));
                Set<Integer> statuses = m.has("expectStatus")
                        ? Arrays.stream(IntLists.read(m.get("expectStatus"), prefix + ".expectStatus",
                                IntLists.Kind.STATUS)).boxed().collect(Collectors.toSet())
                        : HttpProbe.get("/").expectedStatus();
                Optional<String> body = Optional.ofNullable(string(m, "bodyPattern", prefix, null));
                boolean insecure = m.has("insecure") && m.get("insecure").asBoolean(prefix + ".insecure");
                yield new HttpProbe(type.equals("https"), method, path, host, statuses, body, insecure);
            }
            case "dicom-echo" -> new DicomEchoProbe(
                    string(m, "callingAeTitle", prefix, DicomEchoProbe.DEFAULT_CALLING_AE_TITLE),
                    string(m, "calledAeTitle", prefix, DicomEchoProbe.DEFAULT_CALLED_AE_TITLE), tls(m, prefix));
            case "dicom-find" -> new DicomFindProbe(
                    string(m, "callingAeTitle", prefix, DicomEchoProbe.DEFAULT_CALLING_AE_TITLE),
                    string(m, "calledAeTitle", prefix, DicomEchoProbe.DEFAULT_CALLED_AE_TITLE),
                    string(m, "studyInstanceUid", prefix, ""), string(m, "patientId", prefix, ""), tls(m, prefix));
            case "hl7" -> new Hl7Probe(string(m, "message", prefix, Hl7Probe.DEFAULT_TEMPLATE));
            case "negotiate" -> new NegotiateProbe(string(m, "send", prefix, ""), required(m, at, "expect", prefix,
                    where));
            case "external" -> new ExternalProbe(Path.of(required(m, at, "script", prefix, where)),
                    string(m, "checkSource", prefix, ""),
                    m.has("dynamicWeight") && m.get("dynamicWeight").asBoolean(prefix + ".dynamicWeight"));
            case "agent" -> {
                if (!m.has("port")) {
                    throw at.missing("port", where);
                }
                yield new AgentProbe(m.get("port").asInt(prefix + ".port", "a port 1-65535"),
                        string(m, "send", prefix, ""));
            }
            default -> throw new IllegalStateException("no probe of type " + type);
        };
    }

    /**
     * Writes {@code probe}'s type and its own keys into {@code out}.
     *
     * @param field what a message calls the probe, e.g. {@code services[PACS].healthCheck}
     * @throws IllegalArgumentException for a probe of the user's own type, which has no written form
     */
    static void write(Probe probe, Map<String, ConfigNode> out, String field) {
        out.put("type", ConfigNode.Scalar.of(type(probe, field)));
        switch (probe) {
            case HttpProbe h -> {
                out.put("method", ConfigNode.Scalar.of(h.method()));
                out.put("path", ConfigNode.Scalar.of(h.path()));
                h.host().ifPresent(v -> out.put("host", ConfigNode.Scalar.of(v)));
                out.put("expectStatus", IntLists.write(new TreeSet<>(h.expectedStatus()).stream().toList()));
                h.bodyPattern().ifPresent(v -> out.put("bodyPattern", ConfigNode.Scalar.of(v)));
                if (h.tls()) {
                    out.put("insecure", ConfigNode.Scalar.of(h.insecure()));
                }
            }
            case DicomEchoProbe d -> {
                out.put("callingAeTitle", ConfigNode.Scalar.of(d.callingAeTitle()));
                out.put("calledAeTitle", ConfigNode.Scalar.of(d.calledAeTitle()));
                d.tls().ifPresent(t -> out.put("tls", tls(t)));
            }
            case DicomFindProbe d -> {
                out.put("callingAeTitle", ConfigNode.Scalar.of(d.callingAeTitle()));
                out.put("calledAeTitle", ConfigNode.Scalar.of(d.calledAeTitle()));
                out.put("studyInstanceUid", ConfigNode.Scalar.of(d.studyInstanceUid()));
                out.put("patientId", ConfigNode.Scalar.of(d.patientId()));
                d.tls().ifPresent(t -> out.put("tls", tls(t)));
            }
            case Hl7Probe h -> out.put("message", ConfigNode.Scalar.of(h.template()));
            case NegotiateProbe n -> {
                out.put("send", ConfigNode.Scalar.of(n.send()));
                out.put("expect", ConfigNode.Scalar.of(n.expect()));
            }
            case ExternalProbe e -> {
                out.put("script", ConfigNode.Scalar.of(e.script().toString()));
                out.put("checkSource", ConfigNode.Scalar.of(e.checkSource()));
                if (e.dynamicWeight()) {
                    out.put("dynamicWeight", ConfigNode.Scalar.of(true));
                }
            }
            case AgentProbe a -> {
                out.put("port", ConfigNode.Scalar.of(a.port()));
                out.put("send", ConfigNode.Scalar.of(a.send()));
            }
            default -> {
                // connect and none have no keys of their own
            }
        }
    }

    /** The file's name for the type of {@code probe} (not {@code all-of}, which the caller writes). */
    static String type(Probe probe, String field) {
        return switch (probe) {
            case ConnectProbe c -> "connect";
            case NoProbe n -> Vocabulary.NONE;
            case HttpProbe h -> h.tls() ? "https" : "http";
            case DicomEchoProbe d -> "dicom-echo";
            case DicomFindProbe d -> "dicom-find";
            case Hl7Probe h -> "hl7";
            case NegotiateProbe n -> "negotiate";
            case ExternalProbe e -> "external";
            case AgentProbe a -> "agent";
            default -> throw new IllegalArgumentException(field + ": " + probe.type() + " (expected: a built-in"
                    + " probe; " + probe.getClass().getName() + " is the application's own and has no written form)");
        };
    }

    /** {@code tls}: {@code false} or absent (plain TCP), {@code true} (the JVM's trust store), or a mapping of files. */
    private static Optional<DicomTls> tls(ConfigNode.Mapping m, String prefix) {
        if (!m.has("tls")) {
            return Optional.empty();
        }
        String field = prefix + ".tls";
        ConfigNode node = m.get("tls");
        if (node instanceof ConfigNode.Scalar s) {
            if (!s.isNull() && !s.isString() && (s.text().equals("true") || s.text().equals("false"))) {
                return node.asBoolean(field) ? Optional.of(DicomTls.systemTrust()) : Optional.empty();
            }
            throw node.error(field + ": " + s.shown() + " (expected: " + Vocabulary.DICOM_TLS_FORMS + ")");
        }
        ConfigNode.Mapping t = node.asMapping(field);
        t.checkKeys(Vocabulary.DICOM_TLS_KEYS, field);
        Optional<Path> trusted = Optional.ofNullable(string(t, "trustedCertificates", field, null)).map(Path::of);
        Optional<Path> certificate = Optional.ofNullable(string(t, "clientCertificate", field, null)).map(Path::of);
        Optional<Path> key = Optional.ofNullable(string(t, "clientKey", field, null)).map(Path::of);
        return Optional.of(Locator.build(t, () -> new DicomTls(trusted, certificate, key)));
    }

    private static ConfigNode tls(DicomTls t) {
        if (t.equals(DicomTls.systemTrust())) {
            return ConfigNode.Scalar.of(true);
        }
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        t.trustedCertificates().ifPresent(p -> out.put("trustedCertificates", ConfigNode.Scalar.of(p.toString())));
        t.clientCertificate().ifPresent(p -> out.put("clientCertificate", ConfigNode.Scalar.of(p.toString())));
        t.clientKey().ifPresent(p -> out.put("clientKey", ConfigNode.Scalar.of(p.toString())));
        return ConfigNode.Mapping.of(out);
    }

    private static String string(ConfigNode.Mapping m, String key, String prefix, String otherwise) {
        return m.has(key) ? m.get(key).asString(prefix + "." + key) : otherwise;
    }

    private static String required(ConfigNode.Mapping m, ConfigNode at, String key, String prefix, String where) {
        if (!m.has(key)) {
            throw at.missing(key, where);
        }
        return m.get(key).asString(prefix + "." + key);
    }
}
