package io.lb4j.config.internal;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.Fallback;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.OnDown;
import io.lb4j.api.Protocol;
import io.lb4j.api.ProxyProtocol;
import io.lb4j.api.RealServer;
import io.lb4j.api.Scheduler;
import io.lb4j.api.TcpKeepAlive;
import io.lb4j.api.VirtualService;
import io.lb4j.api.internal.Addresses;
import io.lb4j.config.ConfigNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A list of services, both ways: the keys of a service, its real servers, fallback and failback policy here, its
 * health check in {@link HealthCheckMapping}. Reading builds each value with lb-api's builders and puts their
 * messages where the mistake is ({@link Locator}); writing writes every value out, defaults included, so what is
 * written reads back equal and means the same to a reader whose defaults differ. The proxy timeouts and caps are
 * written only where they apply, since the builder refuses them elsewhere. Stateless; thread-safe.
 */
public final class ServiceTree {

    private ServiceTree() {
    }

    /**
     * The services of a {@code services:} list, each valid and together valid
     * ({@link LoadBalancer.Builder#validateServices}).
     *
     * @param defaultMethod the forwarding method of a service without {@code forwarding:}
     */
    public static List<VirtualService> readList(ConfigNode node, ForwardingMethod defaultMethod) {
        List<ConfigNode> items = node.asSequence("services").items();
        if (items.isEmpty()) {
            throw node.error("services: [] (expected: at least one service)");
        }
        List<VirtualService> services = new ArrayList<>();
        for (ConfigNode item : items) {
            services.add(read(item.asMapping("a service"), defaultMethod));
        }
        try {
            LoadBalancer.Builder.validateServices(services);
        } catch (IllegalArgumentException e) {
            // The first service that breaks a rule with those before it is the one to point at.
            int i = 1;
            while (i < services.size() && valid(services.subList(0, i + 1))) {
                i++;
            }
            throw Locator.locate(items.get(Math.min(i, items.size() - 1)), e.getMessage()).error(e.getMessage());
        }
        return List.copyOf(services);
    }

    private static boolean valid(List<VirtualService> services) {
        try {
            LoadBalancer.Builder.validateServices(services);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static VirtualService read(ConfigNode.Mapping m, ForwardingMethod defaultMethod) {
        m.checkKeys(Vocabulary.SERVICE_KEYS, "a service");
        String label = m.required("label", "a service").asString("label");
        String where = "service \"" + label + "\"";
        ConfigNode forwarding = m.get("forwarding");
        ForwardingMethod method = forwarding == null ? defaultMethod
                : forwarding.at(() -> ForwardingMethod.fromConfigName(forwarding.asString("forwarding")));
        VirtualService.Builder b = VirtualService.builder(method).label(label)
                .address(m.required("address", where).asString("address"))
                .ports(IntLists.read(m.required("ports", where), "ports", IntLists.Kind.PORT));
        if (m.has("protocol")) {
            b.protocol(Protocol.valueOf(m.get("protocol").asOneOf("protocol", Vocabulary.PROTOCOLS)
                    .toUpperCase(Locale.ROOT)));
        }
        if (m.has("scheduler")) {
            ConfigNode n = m.get("scheduler");
            b.scheduler(n.at(() -> Scheduler.named(n.asString("scheduler"))));
        }
        if (m.has("persistence")) {
            b.persistence(m.get("persistence").asDuration("persistence"));
        }
        if (m.has("persistenceNetmask")) {
            b.persistenceNetmask(m.get("persistenceNetmask").asInt("persistenceNetmask", "a prefix length"));
        }
        if (m.has("failback")) {
            b.failback(failback(m.get("failback")));
        }
        if (m.has("healthCheck")) {
            b.healthCheck(HealthCheckMapping.read(m.get("healthCheck")));
        }
        if (m.has("onDown")) {
            b.onDown(OnDown.fromConfigName(m.get("onDown").asOneOf("onDown", Vocabulary.ON_DOWN)));
        }
        if (m.has("slowStart")) {
            b.slowStart(m.get("slowStart").asDuration("slowStart"));
        }
        if (m.has("preserveClientAddress")) {
            b.preserveClientAddress(m.get("preserveClientAddress").asBoolean("preserveClientAddress"));
        }
        if (m.has("proxyProtocol")) {
            ConfigNode n = m.get("proxyProtocol");
            b.proxyProtocol(n.at(() -> ProxyProtocol.fromConfigName(n.asString("proxyProtocol"))));
        }
        if (m.has("realServers")) {
            for (ConfigNode item : m.get("realServers").asSequence("realServers").items()) {
                b.real(realServer(item.asMapping("a real server")));
            }
        }
        if (m.has("fallback")) {
            b.fallback(fallback(m.get("fallback").asMapping("fallback")));
        }
        readLimits(m, b);
        return Locator.build(m, b::build);
    }

    /** The proxy timeouts and caps; the builder refuses each where it does not apply, at its key. */
    private static void readLimits(ConfigNode.Mapping m, VirtualService.Builder b) {
        if (m.has("clientIdleTimeout")) {
            b.clientIdleTimeout(m.get("clientIdleTimeout").asDuration("clientIdleTimeout"));
        }
        if (m.has("serverIdleTimeout")) {
            b.serverIdleTimeout(m.get("serverIdleTimeout").asDuration("serverIdleTimeout"));
        }
        if (m.has("tcpKeepAlive")) {
            b.tcpKeepAlive(tcpKeepAlive(m.get("tcpKeepAlive")));
        }
        if (m.has("maxConnections")) {
            b.maxConnections(m.get("maxConnections").asInt("maxConnections", "an integer"));
        }
        if (m.has("maxUdpSessions")) {
            b.maxUdpSessions(m.get("maxUdpSessions").asInt("maxUdpSessions", "an integer"));
        }
    }

    /** {@code true} (the defaults), {@code false} (off), or {@code { idle, interval, count }}, each optional. */
    private static TcpKeepAlive tcpKeepAlive(ConfigNode node) {
        if (node instanceof ConfigNode.Scalar s) {
            if (!s.isNull() && !s.isString() && (s.text().equals("true") || s.text().equals("false"))) {
                return node.asBoolean("tcpKeepAlive") ? TcpKeepAlive.defaults() : TcpKeepAlive.off();
            }
            throw node.error("tcpKeepAlive: " + node.asScalar("tcpKeepAlive").shown() + " (expected: "
                    + Vocabulary.TCP_KEEP_ALIVE_FORMS + ")");
        }
        ConfigNode.Mapping m = node.asMapping("tcpKeepAlive");
        m.checkKeys(Vocabulary.TCP_KEEP_ALIVE_KEYS, "tcpKeepAlive");
        TcpKeepAlive d = TcpKeepAlive.defaults();
        Duration idle = m.has("idle") ? m.get("idle").asDuration("tcpKeepAlive.idle") : d.idle();
        Duration interval = m.has("interval") ? m.get("interval").asDuration("tcpKeepAlive.interval") : d.interval();
        int count = m.has("count") ? m.get("count").asInt("tcpKeepAlive.count", "an integer") : d.count();
        return Locator.build(m, () -> TcpKeepAlive.of(idle, interval, count));
    }

    private static RealServer realServer(ConfigNode.Mapping m) {
        m.checkKeys(Vocabulary.REAL_SERVER_KEYS, "a real server");
        String label = m.required("label", "a real server").asString("realServer.label");
        String field = "realServer[" + label + "].";
        ConfigNode addressNode = m.required("address", "real server \"" + label + "\"");
        String address = addressNode.asString(field + "address");
        RealServer.Builder b = addressNode.at(() -> RealServer.builder(label, address));
        b.port(integer(m, "port", field, 0))
                .weight(integer(m, "weight", field, RealServer.DEFAULT_WEIGHT))
                .minConnections(integer(m, "minConnections", field, 0))
                .maxConnections(integer(m, "maxConnections", field, 0));
        return Locator.build(m, b::build);
    }

    private static Fallback fallback(ConfigNode.Mapping m) {
        m.checkKeys(Vocabulary.FALLBACK_KEYS, "fallback");
        ConfigNode addressNode = m.required("address", "fallback");
        String address = addressNode.asString("fallback.address");
        Fallback.Builder b = addressNode.at(() -> Fallback.builder(address));
        b.port(integer(m, "port", "fallback.", 0));
        if (m.has("masquerade")) {
            b.masquerade(m.get("masquerade").asBoolean("fallback.masquerade"));
        }
        return Locator.build(m, b::build);
    }

    private static FailbackPolicy failback(ConfigNode node) {
        if (node instanceof ConfigNode.Scalar s) {
            String mode = s.isString() ? s.text() : "";
            return switch (mode) {
                case "automatic" -> FailbackPolicy.automatic();
                case "manual" -> FailbackPolicy.manual();
                default -> throw node.error("failback: " + node.asScalar("failback").shown() + " (expected: "
                        + Vocabulary.FAILBACK_FORMS + ")");
            };
        }
        ConfigNode.Mapping m = node.asMapping("failback");
        m.checkKeys(Vocabulary.FAILBACK_KEYS, "failback");
        ConfigNode hold = m.required("holdDown", "failback");
        return hold.at(() -> FailbackPolicy.holdDown(hold.asDuration("failback.holdDown")));
    }

    private static int integer(ConfigNode.Mapping m, String key, String prefix, int otherwise) {
        return m.has(key) ? m.get(key).asInt(prefix + key, "an integer") : otherwise;
    }

    /**
     * The services as a list, every value written out.
     *
     * @throws IllegalArgumentException naming the service and field of a value without a written form: a probe or
     *                                  scheduler of the application's own type, Maglev with a table size other than
     *                                  the default, a duration with a fraction of a millisecond
     */
    public static ConfigNode.Sequence writeList(Collection<VirtualService> services) {
        List<ConfigNode> items = new ArrayList<>();
        for (VirtualService s : services) {
            items.add(write(s));
        }
        return ConfigNode.Sequence.of(items);
    }

    private static ConfigNode.Mapping write(VirtualService s) {
        String field = "services[" + s.label() + "]";
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        out.put("label", ConfigNode.Scalar.of(s.label()));
        out.put("address", ConfigNode.Scalar.of(Addresses.text(s.address())));
        out.put("ports", IntLists.write(s.ports()));
        out.put("protocol", ConfigNode.Scalar.of(s.protocol().name().toLowerCase(Locale.ROOT)));
        out.put("forwarding", ConfigNode.Scalar.of(s.method().configName()));
        out.put("preserveClientAddress", ConfigNode.Scalar.of(s.preserveClientAddress()));
        out.put("proxyProtocol", ConfigNode.Scalar.of(s.proxyProtocol().configName()));
        out.put("scheduler", ConfigNode.Scalar.of(scheduler(s.scheduler(), field + ".scheduler")));
        out.put("persistence", HealthCheckMapping.duration(s.persistence(), field + ".persistence"));
        if (!s.persistence().isZero()) {
            out.put("persistenceNetmask", ConfigNode.Scalar.of(s.persistenceNetmask()));
        }
        out.put("failback", switch (s.failback().mode()) {
            case AUTOMATIC -> ConfigNode.Scalar.of("automatic");
            case MANUAL -> ConfigNode.Scalar.of("manual");
            case HOLD_DOWN -> ConfigNode.Mapping.of(Map.of("holdDown",
                    HealthCheckMapping.duration(s.failback().holdDown(), field + ".failback.holdDown")));
        });
        out.put("healthCheck", HealthCheckMapping.write(s.healthCheck(), field + ".healthCheck"));
        out.put("onDown", ConfigNode.Scalar.of(s.onDown().configName()));
        out.put("slowStart", HealthCheckMapping.duration(s.slowStart(), field + ".slowStart"));
        List<ConfigNode> reals = new ArrayList<>();
        for (RealServer r : s.realServers()) {
            Map<String, ConfigNode> rn = new LinkedHashMap<>();
            rn.put("label", ConfigNode.Scalar.of(r.label()));
            rn.put("address", ConfigNode.Scalar.of(Addresses.text(r.address())));
            rn.put("port", ConfigNode.Scalar.of(r.port()));
            rn.put("weight", ConfigNode.Scalar.of(r.weight()));
            rn.put("minConnections", ConfigNode.Scalar.of(r.minConnections()));
            rn.put("maxConnections", ConfigNode.Scalar.of(r.maxConnections()));
            reals.add(ConfigNode.Mapping.of(rn));
        }
        out.put("realServers", ConfigNode.Sequence.of(reals));
        s.fallback().ifPresent(f -> {
            Map<String, ConfigNode> fn = new LinkedHashMap<>();
            fn.put("address", ConfigNode.Scalar.of(Addresses.text(f.address())));
            fn.put("port", ConfigNode.Scalar.of(f.port()));
            fn.put("masquerade", ConfigNode.Scalar.of(f.masquerade()));
            out.put("fallback", ConfigNode.Mapping.of(fn));
        });
        writeLimits(s, field, out);
        return ConfigNode.Mapping.of(out);
    }

    /** The proxy timeouts and caps that apply to {@code s}: a TCP proxy's four, a UDP proxy's one, else none. */
    private static void writeLimits(VirtualService s, String field, Map<String, ConfigNode> out) {
        if (s.method() != ForwardingMethod.PROXY) {
            return;
        }
        if (s.protocol() == Protocol.UDP) {
            out.put("maxUdpSessions", ConfigNode.Scalar.of(s.maxUdpSessions()));
            return;
        }
        out.put("clientIdleTimeout", HealthCheckMapping.duration(s.clientIdleTimeout(), field + ".clientIdleTimeout"));
        out.put("serverIdleTimeout", HealthCheckMapping.duration(s.serverIdleTimeout(), field + ".serverIdleTimeout"));
        TcpKeepAlive k = s.tcpKeepAlive();
        if (k.enabled()) {
            Map<String, ConfigNode> kn = new LinkedHashMap<>();
            kn.put("idle", HealthCheckMapping.duration(k.idle(), field + ".tcpKeepAlive.idle"));
            kn.put("interval", HealthCheckMapping.duration(k.interval(), field + ".tcpKeepAlive.interval"));
            kn.put("count", ConfigNode.Scalar.of(k.count()));
            out.put("tcpKeepAlive", ConfigNode.Mapping.of(kn));
        } else {
            out.put("tcpKeepAlive", ConfigNode.Scalar.of(false));
        }
        out.put("maxConnections", ConfigNode.Scalar.of(s.maxConnections()));
    }

    /** The configuration name of a built-in scheduler; a scheduler that name does not give back has none. */
    private static String scheduler(Scheduler scheduler, String field) {
        try {
            if (Scheduler.named(scheduler.name()).equals(scheduler)) {
                return scheduler.name();
            }
        } catch (IllegalArgumentException | NullPointerException e) {
            // the application's own scheduler: reported below
        }
        throw new IllegalArgumentException(field + ": " + scheduler + " (expected: rr, wrr, lc, wlc, sh, or mh with"
                + " its default table; other schedulers have no written form)");
    }
}
