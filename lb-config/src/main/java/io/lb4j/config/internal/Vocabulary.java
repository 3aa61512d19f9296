package io.lb4j.config.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The words of the configuration format: the keys of each section and the names of health-check types. The
 * appliance file's vocabulary, which the admin API and replication share. Constants; thread-safe.
 */
public final class Vocabulary {

    /** The keys of a service. */
    public static final Set<String> SERVICE_KEYS = Set.of("label", "address", "ports", "protocol", "forwarding",
            "scheduler", "persistence", "failback", "healthCheck", "realServers", "fallback",
            "preserveClientAddress", "proxyProtocol",
            "clientIdleTimeout", "serverIdleTimeout", "tcpKeepAlive", "maxConnections", "maxUdpSessions",
            "onDown", "slowStart", "persistenceNetmask");
    /** The keys of a real server. */
    public static final Set<String> REAL_SERVER_KEYS = Set.of("label", "address", "port", "weight",
            "minConnections", "maxConnections");
    /** The keys of a fallback. */
    public static final Set<String> FALLBACK_KEYS = Set.of("address", "port", "masquerade");
    /** The keys of {@code failback} as a mapping, rather than {@code automatic} or {@code manual}. */
    public static final Set<String> FAILBACK_KEYS = Set.of("holdDown");
    /** The forms of {@code failback}, for messages. */
    public static final String FAILBACK_FORMS = "automatic | manual | { holdDown: <duration> }";
    /** The keys of {@code tcpKeepAlive} as a mapping, rather than {@code true} or {@code false}. */
    public static final Set<String> TCP_KEEP_ALIVE_KEYS = Set.of("idle", "interval", "count");
    /** The forms of {@code tcpKeepAlive}, for messages. */
    public static final String TCP_KEEP_ALIVE_FORMS = "true | false | { idle: <duration>, interval: <duration>,"
            + " count: <1-127> }";
    /** The values of {@code onDown}. */
    public static final List<String> ON_DOWN = List.of("keep", "close");
    /** The keys of a DICOM probe's {@code tls} as a mapping, rather than {@code true} or {@code false}. */
    public static final Set<String> DICOM_TLS_KEYS = Set.of("trustedCertificates", "clientCertificate", "clientKey");
    /** The forms of {@code tls} on a DICOM probe, for messages. */
    public static final String DICOM_TLS_FORMS = "true | false | { trustedCertificates: <PEM file>,"
            + " clientCertificate: <PEM file>, clientKey: <PEM file> }";
    /** The transport protocols. */
    public static final List<String> PROTOCOLS = List.of("tcp", "udp");

    /** The composite check: every probe on its own ports. */
    public static final String ALL_OF = "all-of";
    /** The check that checks nothing. */
    public static final String NONE = "none";
    /** Probe types, each a single probe that can run on given ports (a part of {@code all-of}, or its otherPorts). */
    public static final List<String> PROBE_TYPES = List.of("connect", "http", "https", "dicom-echo", "dicom-find",
            "hl7", "negotiate", "external");
    /** Health-check types, in the order messages list them. */
    public static final List<String> CHECK_TYPES = List.of("connect", NONE, "http", "https", "dicom-echo",
            "dicom-find", "hl7", "negotiate", "external", "agent", ALL_OF);
    /** What {@code otherPorts} may be: a single probe, or none (the default). */
    public static final List<String> OTHER_PORTS_TYPES = List.of(NONE, "connect", "http", "https", "dicom-echo",
            "dicom-find", "hl7", "negotiate", "external");

    private static final Set<String> CHECK_COMMON_KEYS = Set.of("type", "ports", "interval", "timeout", "jitter",
            "failAfter", "riseAfter", "spread");
    private static final Map<String, Set<String>> TYPE_KEYS = Map.ofEntries(
            Map.entry("connect", Set.of()),
            Map.entry(NONE, Set.of()),
            Map.entry("http", Set.of("path", "method", "host", "expectStatus", "bodyPattern")),
            Map.entry("https", Set.of("path", "method", "host", "expectStatus", "bodyPattern", "insecure")),
            Map.entry("dicom-echo", Set.of("callingAeTitle", "calledAeTitle", "tls")),
            Map.entry("dicom-find", Set.of("callingAeTitle", "calledAeTitle", "studyInstanceUid", "patientId",
                    "tls")),
            Map.entry("hl7", Set.of("message")),
            Map.entry("negotiate", Set.of("send", "expect")),
            Map.entry("external", Set.of("script", "checkSource", "dynamicWeight")),
            Map.entry("agent", Set.of("port", "send")),
            Map.entry(ALL_OF, Set.of("probes", "otherPorts")));

    private Vocabulary() {
    }

    /** The keys of a health check of {@code type}: the common ones and the type's own. */
    public static Set<String> checkKeys(String type) {
        return with(CHECK_COMMON_KEYS, type);
    }

    /** The keys of a probe in {@code all-of}'s {@code probes}: {@code type}, {@code ports} and the type's own. */
    public static Set<String> probeKeys(String type) {
        return with(Set.of("type", "ports"), type);
    }

    /** The keys of {@code otherPorts} written as a mapping: {@code type} and the type's own. */
    public static Set<String> otherPortsKeys(String type) {
        return with(Set.of("type"), type);
    }

    /** "a connect healthCheck", "an https probe": how a message names a mapping of a type. */
    public static String named(String type, String what) {
        return ("aehio".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type + " " + what;
    }

    private static Set<String> with(Set<String> common, String type) {
        Set<String> keys = new TreeSet<>(common);
        keys.addAll(TYPE_KEYS.get(type));
        return Set.copyOf(keys);
    }
}
