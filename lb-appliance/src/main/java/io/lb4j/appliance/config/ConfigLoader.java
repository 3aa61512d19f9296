package io.lb4j.appliance.config;

import com.fasterxml.jackson.core.JsonToken;
import io.lb4j.admin.AdminServer;
import io.lb4j.admin.AdminUser;
import io.lb4j.admin.ConfigCodec;
import io.lb4j.admin.ConfigCodec.Format;
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
import io.lb4j.appliance.config.YamlTree.Entry;
import io.lb4j.appliance.config.YamlTree.Mapping;
import io.lb4j.appliance.config.YamlTree.Node;
import io.lb4j.appliance.config.YamlTree.Scalar;
import io.lb4j.appliance.config.YamlTree.Sequence;
import io.lb4j.ha.vrrp.VrrpInstance;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an appliance file (YAML) into an {@link ApplianceConfig}. The keys mirror the builders:
 *
 * <pre>{@code
 * engine: proxy            # proxy | packet (packet: needs `interface:`)
 * services:
 *   - label: PACS
 *     address: 127.0.0.1
 *     ports: [104, 80, 8080, 443, 8443, 5222, 1001]
 *     forwarding: proxy    # direct-routing | nat | tunnel | proxy
 *     scheduler: wlc
 *     healthCheck: { type: connect, ports: all, interval: 30s, timeout: 5s, failAfter: 10, riseAfter: 1 }
 *     realServers:
 *       - { label: PrimaryCluster, address: 127.0.0.2, weight: 100 }
 *     fallback: { address: 127.0.0.3, port: 0, masquerade: true }
 * admin:                   # optional: the admin server (lb-admin), see AdminConfig
 *   users: [ { name: operator, passwordHash: "pbkdf2-sha256$210000$..." } ]
 * ha:                      # optional: this node of a clustered pair (lb-ha), see HaConfig
 *   interface: eth0
 *   vrid: 51
 *   priority: 150
 *   virtualAddresses: [127.0.0.1]
 *   role: primary
 *   peer: 10.0.0.3
 *   listen: 10.0.0.2
 *   secretFile: /etc/lb4j/ha.secret
 * }</pre>
 *
 * <p>The keys of services, real servers, fallbacks and health checks and the forms of durations and port ranges
 * are {@link ConfigCodec.Format}'s, shared with the admin server's JSON codec.
 *
 * <p>Guarantees: a file loads only if every key is known and every value valid; otherwise a {@link ConfigException}
 * says {@code file:line:column} of the offending key or value and what is allowed. Values are checked by the API's
 * own builders, whose messages are passed on with the location of the node they concern. Loading has no side
 * effects (nothing is bound or started; {@code ha.secretFile} is read to check its length, and not kept).
 * Thread-safe: the class has no state.
 */
public final class ConfigLoader {

    private static final Pattern INDEXED = Pattern.compile("(\\w+)\\[(.*)]");

    // Service, real-server, fallback and health-check keys, durations and port ranges: ConfigCodec.Format, shared
    // with the admin server's JSON codec. The sections only the file has are here.
    private static final Set<String> TOP_KEYS = Set.of("engine", "interface", "services", "admin", "ha");
    private static final Set<String> ENGINE_KEYS = Set.of("type", "ioThreads", "connectTimeout", "maxPendingBytes",
            "udpIdleTimeout", "nativeTransport");
    private static final Set<String> ADMIN_KEYS = Set.of("address", "port", "users", "tls", "loginAttempts",
            "sessionTimeout");
    private static final Set<String> ADMIN_USER_KEYS = Set.of("name", "passwordHash");
    private static final Set<String> ADMIN_TLS_KEYS = Set.of("selfSignedDirectory", "keyStore", "keyStorePasswordFile");
    private static final Set<String> ADMIN_LOGIN_KEYS = Set.of("attempts", "per");
    private static final Set<String> HA_KEYS = Set.of("interface", "vrid", "priority", "advertInterval",
            "virtualAddresses", "preempt", "preemptDelay", "unicastPeers", "role", "peer", "listen", "replicationPort",
            "flowSyncPort", "secretFile");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern EXPECTED = Pattern.compile("\\(expected: (.*)\\)$");

    private final String file;

    private ConfigLoader(String file) {
        this.file = file;
    }

    /**
     * Reads and checks the file.
     *
     * @throws ConfigException naming the file, the line and column, and the problem
     */
    public static ApplianceConfig load(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path.toString(), 0, 0, "cannot read the file: " + e, e);
        }
        return parse(text, path.toString());
    }

    /**
     * Checks YAML text; {@code fileName} is what messages call it.
     *
     * @throws ConfigException naming the file, the line and column, and the problem
     */
    public static ApplianceConfig parse(String yaml, String fileName) {
        return new ConfigLoader(fileName).document(YamlTree.parse(yaml, fileName), null);
    }

    /**
     * Parses a duration as the file writes it: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or {@code 0}.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static Duration parseDuration(String text) {
        return Format.parseDuration(text);
    }

    /**
     * Checks YAML text sent to a running appliance (the admin server's {@code PUT /api/config}): the same syntax
     * and rules as the file, with two differences that follow from the engine and the admin server already
     * running. A service without {@code forwarding:} gets the running engine's default method even when the text
     * has no {@code engine:}; and {@code engine:}, {@code interface:}, {@code admin:} and {@code ha:}, when the text
     * has them, must equal the running ones, since they change only with a restart.
     *
     * @param running what the appliance runs
     * @throws ConfigException naming {@code name}, the line and column, and the problem
     */
    public static List<VirtualService> parseServices(String yaml, String name, ApplianceConfig running) {
        Objects.requireNonNull(running, "running");
        return new ConfigLoader(name).document(YamlTree.parse(yaml, name), running).services();
    }

    /**
     * A {@link ConfigCodec} for the admin server that reads and writes this file's YAML: {@code decode} is
     * {@link #parseServices} (errors become {@link io.lb4j.admin.InvalidConfigException} with {@code line L, column
     * C} as the path), {@code encode} writes the services in the file's shape, which {@code decode} reads back to
     * equal services.
     *
     * @param running what the appliance runs; the engine's default method and the sections that need a restart
     */
    public static ConfigCodec codec(ApplianceConfig running) {
        return new YamlConfigCodec(Objects.requireNonNull(running, "running"));
    }

    // ------------------------------------------------------------------------------------------------ sections

    /** The file, or with {@code running} the text for a running appliance (see {@link #parseServices}). */
    private ApplianceConfig document(Node root, ApplianceConfig running) {
        Mapping top = mapping(root, "the file");
        checkKeys(top, TOP_KEYS, "the top level");
        EngineConfig engine = engine(top, running);
        Optional<AdminConfig> admin = admin(top.get("admin"));
        if (running != null && admin.isPresent() && !admin.equals(running.admin())) {
            throw error(top.get("admin"), "admin: differs from the running admin server's settings (expected: the"
                    + " running settings or no `admin:`; admin settings change only with a restart)");
        }
        Optional<HaConfig> ha = ha(top.get("ha"), engine);
        if (running != null && ha.isPresent() && !ha.equals(running.ha())) {
            throw error(top.get("ha"), "ha: differs from the running pair's settings (expected: the running settings"
                    + " or no `ha:`; ha settings change only with a restart)");
        }
        Node servicesNode = required(top, "services", "the top level");
        Sequence list = sequence(servicesNode, "services");
        if (list.items().isEmpty()) {
            throw error(list, "services: [] (expected: at least one service)");
        }
        List<VirtualService> services = new ArrayList<>();
        // By identity: two services may be equal (a file that repeats one), and the second is the one to report.
        Map<VirtualService, Mapping> nodes = new IdentityHashMap<>();
        for (Node item : list.items()) {
            Mapping m = mapping(item, "a service");
            VirtualService s = service(m, engine);
            services.add(s);
            nodes.put(s, m);
        }
        try {
            LoadBalancer.Builder.validateServices(services);
        } catch (IllegalArgumentException e) {
            throw error(locateAcrossServices(e.getMessage(), services, nodes, list), e.getMessage());
        }
        return new ApplianceConfig(engine, services, admin, ha);
    }

    private EngineConfig engine(Mapping top, ApplianceConfig running) {
        Node node = top.get("engine");
        Node iface = top.get("interface");
        if (running == null) {
            return engine(node, iface);
        }
        if (node == null && iface == null) {
            return running.engine();
        }
        EngineConfig config = engine(node, iface);
        if (!config.equals(running.engine())) {
            throw error(node != null ? node : iface, "engine: " + config.type() + " differs from the running engine's"
                    + " settings (expected: the running settings or no `engine:`; the engine changes only with a"
                    + " restart)");
        }
        return config;
    }

    private EngineConfig engine(Node node, Node iface) {
        EngineConfig d = EngineConfig.PROXY_DEFAULTS;
        String type;
        EngineConfig config;
        if (node == null || node instanceof Scalar) {
            type = node == null ? "proxy" : oneOf(node, "engine", List.of("proxy", "packet"));
            config = new EngineConfig(type, "", d.ioThreads(), d.connectTimeout(), d.maxPendingBytes(),
                    d.udpIdleTimeout(), d.nativeTransport());
        } else {
            Mapping m = mapping(node, "engine");
            checkKeys(m, ENGINE_KEYS, "engine");
            type = oneOf(required(m, "type", "engine"), "engine.type", List.of("proxy", "packet"));
            if (type.equals("packet")) {
                for (Entry e : m.entries().values()) {
                    if (!e.key().equals("type")) {
                        throw new ConfigException(file, e.line(), e.column(), "engine." + e.key()
                                + ": a proxy engine option (expected: only `type` for the packet engine)");
                    }
                }
            }
            int ioThreads = optInt(m, "ioThreads", d.ioThreads());
            if (m.get("ioThreads") != null && ioThreads < 1) {
                // 0 stands for "the engine's default" inside EngineConfig; written in a file it is a mistake.
                throw error(m.get("ioThreads"), "engine.ioThreads: " + ioThreads + " (expected: 1-1024)");
            }
            config = new EngineConfig(type, "", ioThreads,
                    optDuration(m, "connectTimeout", d.connectTimeout()),
                    optInt(m, "maxPendingBytes", d.maxPendingBytes()),
                    optDuration(m, "udpIdleTimeout", d.udpIdleTimeout()),
                    optBool(m, "nativeTransport", d.nativeTransport()));
        }
        if (type.equals("packet")) {
            if (iface == null) {
                throw error(node, "engine: packet needs `interface:` (expected: the network interface the packet"
                        + " engine serves, e.g. interface: eth0)");
            }
            config = new EngineConfig(type, string(iface, "interface"), 0, d.connectTimeout(), d.maxPendingBytes(),
                    d.udpIdleTimeout(), d.nativeTransport());
        } else {
            if (iface != null) {
                throw error(iface, "interface: only for engine packet (expected: no `interface:` with engine "
                        + type + ")");
            }
            EngineConfig checked = config;
            // Build one (nothing starts) so a bad option is reported here, at its line, not when the runner starts.
            at(node, checked::create);
        }
        return config;
    }

    private VirtualService service(Mapping m, EngineConfig engine) {
        checkKeys(m, Format.SERVICE_KEYS, "a service");
        String label = string(required(m, "label", "a service"), "label");
        String where = "service \"" + label + "\"";
        ForwardingMethod method = m.get("forwarding") == null ? engine.defaultMethod()
                : at(m.get("forwarding"), () -> ForwardingMethod.fromConfigName(string(m.get("forwarding"), "forwarding")));
        VirtualService.Builder b = VirtualService.builder(method).label(label)
                .address(string(required(m, "address", where), "address"));
        ports(required(m, "ports", where), b);
        if (m.get("protocol") != null) {
            b.protocol(Protocol.valueOf(oneOf(m.get("protocol"), "protocol", List.of("tcp", "udp")).toUpperCase()));
        }
        if (m.get("scheduler") != null) {
            Node n = m.get("scheduler");
            b.scheduler(at(n, () -> Scheduler.named(string(n, "scheduler"))));
        }
        if (m.get("persistence") != null) {
            b.persistence(duration(m.get("persistence"), "persistence"));
        }
        if (m.get("failback") != null) {
            b.failback(failback(m.get("failback")));
        }
        if (m.get("healthCheck") != null) {
            b.healthCheck(healthCheck(m.get("healthCheck")));
        }
        if (m.get("realServers") != null) {
            Set<String> labels = new LinkedHashSet<>();
            for (Node item : sequence(m.get("realServers"), "realServers").items()) {
                RealServer r = realServer(mapping(item, "a real server"));
                if (!labels.add(r.label())) {
                    Node labelNode = ((Mapping) item).get("label");
                    throw error(labelNode, "realServers.label: \"" + r.label() + "\" (expected: unique labels within"
                            + " service \"" + label + "\"; \"" + r.label() + "\" is used twice)");
                }
                b.real(r);
            }
        }
        if (m.get("fallback") != null) {
            b.fallback(fallback(mapping(m.get("fallback"), "fallback")));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException | NullPointerException | IllegalStateException e) {
            throw error(locate(m, e.getMessage()), e.getMessage());
        }
    }

    private void ports(Node node, VirtualService.Builder b) {
        List<Node> items = node instanceof Sequence s ? s.items() : List.of(node);
        if (items.isEmpty()) {
            throw error(node, "ports: [] (expected: at least one port 1-65535)");
        }
        Map<Integer, Node> seen = new HashMap<>();
        for (Node item : items) {
            Scalar s = scalar(item, "ports");
            List<Integer> ports = new ArrayList<>();
            int[] range = s.token() == JsonToken.VALUE_STRING ? Format.portRange(s.text()).orElse(null) : null;
            if (range != null) {
                int from = range[0];
                int to = range[1];
                atRun(s, () -> b.portRange(from, to));
                for (int p = from; p <= to; p++) {
                    ports.add(p);
                }
            } else {
                int p = integer(s, "ports", "a port 1-65535 or a range such as \"8000-8010\"");
                if (p < 1 || p > 65535) {
                    throw error(s, "ports: " + p + " (expected: 1-65535" + (p == 0
                            ? "; port 0 is only meaningful for a fallback" : "") + ")");
                }
                b.ports(p);
                ports.add(p);
            }
            for (int p : ports) {
                Node first = seen.putIfAbsent(p, s);
                if (first != null) {
                    throw error(s, "ports: " + p + " (expected: each port once; " + p + " is already listed on line "
                            + first.line() + ")");
                }
            }
        }
    }

    private FailbackPolicy failback(Node node) {
        if (node instanceof Scalar) {
            return switch (oneOf(node, "failback", List.of("automatic", "manual"))) {
                case "manual" -> FailbackPolicy.manual();
                default -> FailbackPolicy.automatic();
            };
        }
        Mapping m = mapping(node, "failback");
        checkKeys(m, Format.FAILBACK_KEYS, "failback");
        Node hold = required(m, "holdDown", "failback");
        Duration d = duration(hold, "failback.holdDown");
        return at(hold, () -> FailbackPolicy.holdDown(d));
    }

    private HealthCheck healthCheck(Node node) {
        if (node instanceof Scalar) {
            oneOf(node, "healthCheck", Format.HEALTH_CHECK_TYPES);
            Mapping shorthand = new Mapping(Map.of("type", new Entry("type", node.line(), node.column(), node)),
                    node.line(), node.column());
            return healthCheck(shorthand);
        }
        return healthCheck(mapping(node, "healthCheck"));
    }

    private HealthCheck healthCheck(Mapping m) {
        String type = m.get("type") == null ? "connect"
                : oneOf(m.get("type"), "healthCheck.type", Format.HEALTH_CHECK_TYPES);
        checkKeys(m, Format.healthCheckKeys(type), "a " + type + " healthCheck");
        Node typeNode = m.get("type") == null ? m : m.get("type");
        HealthCheck.Builder b = at(typeNode, () -> switch (type) {
            case "none" -> HealthCheck.none();
            case "http", "https" -> {
                HttpProbe probe = HttpProbe.request(optString(m, "method", "GET"), optString(m, "path", "/"));
                if (m.get("host") != null) {
                    probe = probe.host(string(m.get("host"), "healthCheck.host"));
                }
                if (m.get("expectStatus") != null) {
                    Node n = m.get("expectStatus");
                    List<Node> items = n instanceof Sequence s ? s.items() : List.of(n);
                    int[] statuses = items.stream().mapToInt(i -> integer(i, "healthCheck.expectStatus",
                            "an HTTP status 100-599")).toArray();
                    HttpProbe p = probe;
                    probe = at(n, () -> p.expectStatus(statuses));
                }
                if (m.get("bodyPattern") != null) {
                    HttpProbe p = probe;
                    probe = at(m.get("bodyPattern"), () -> p.bodyMatches(string(m.get("bodyPattern"), "healthCheck.bodyPattern")));
                }
                if (type.equals("https")) {
                    probe = probe.tls(true);
                    if (optBool(m, "insecure", false)) {
                        probe = probe.insecure(true);
                    }
                    yield HealthCheck.https(probe);
                }
                yield HealthCheck.http(probe);
            }
            case "dicom-echo" -> HealthCheck.dicomEcho(DicomEchoProbe.of(
                    optString(m, "callingAeTitle", DicomEchoProbe.DEFAULT_CALLING_AE_TITLE),
                    optString(m, "calledAeTitle", DicomEchoProbe.DEFAULT_CALLED_AE_TITLE)));
            case "hl7" -> m.get("message") == null ? HealthCheck.hl7()
                    : HealthCheck.hl7(Hl7Probe.template(string(m.get("message"), "healthCheck.message")));
            case "negotiate" -> HealthCheck.negotiate(optString(m, "send", ""),
                    string(required(m, "expect", "a negotiate healthCheck"), "healthCheck.expect"));
            case "external" -> HealthCheck.external(ExternalProbe.of(Path.of(string(required(m, "script",
                    "an external healthCheck"), "healthCheck.script"))).withCheckSource(optString(m, "checkSource", "")));
            default -> HealthCheck.connect();
        });
        if (m.get("ports") != null) {
            Node n = m.get("ports");
            if (n instanceof Scalar s && s.token() == JsonToken.VALUE_STRING) {
                if (!s.text().equals("all")) {
                    throw error(s, "healthCheck.ports: " + s.shown() + " (expected: all, or a list of ports)");
                }
                b.allPorts();
            } else {
                List<Node> items = n instanceof Sequence s ? s.items() : List.of(n);
                int[] ports = items.stream().mapToInt(i -> integer(i, "healthCheck.ports", "a port 1-65535")).toArray();
                atRun(n, () -> b.ports(ports));
            }
        }
        if (m.get("interval") != null) {
            b.interval(duration(m.get("interval"), "healthCheck.interval"));
        }
        if (m.get("timeout") != null) {
            b.timeout(duration(m.get("timeout"), "healthCheck.timeout"));
        }
        if (m.get("jitter") != null) {
            b.jitter(duration(m.get("jitter"), "healthCheck.jitter"));
        }
        if (m.get("failAfter") != null) {
            b.failAfter(integer(m.get("failAfter"), "healthCheck.failAfter", "an integer 1-1000"));
        }
        if (m.get("riseAfter") != null) {
            b.riseAfter(integer(m.get("riseAfter"), "healthCheck.riseAfter", "an integer 1-1000"));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw error(locate(m, e.getMessage()), e.getMessage());
        }
    }

    private RealServer realServer(Mapping m) {
        checkKeys(m, Format.REAL_SERVER_KEYS, "a real server");
        String label = string(required(m, "label", "a real server"), "realServer.label");
        Node addressNode = required(m, "address", "real server \"" + label + "\"");
        String address = string(addressNode, "realServer.address");
        RealServer.Builder b = at(addressNode, () -> RealServer.builder(label, address));
        b.port(optInt(m, "port", 0)).weight(optInt(m, "weight", RealServer.DEFAULT_WEIGHT))
                .minConnections(optInt(m, "minConnections", 0)).maxConnections(optInt(m, "maxConnections", 0));
        try {
            return b.build();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw error(locate(m, e.getMessage()), e.getMessage());
        }
    }

    private Fallback fallback(Mapping m) {
        checkKeys(m, Format.FALLBACK_KEYS, "fallback");
        Node addressNode = required(m, "address", "fallback");
        String address = string(addressNode, "fallback.address");
        Fallback.Builder b = at(addressNode, () -> Fallback.builder(address));
        b.port(optInt(m, "port", 0)).masquerade(optBool(m, "masquerade", false));
        try {
            return b.build();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw error(locate(m, e.getMessage()), e.getMessage());
        }
    }

    /** The {@code admin:} section; every value checked by the admin server's own builder and types. */
    private Optional<AdminConfig> admin(Node node) {
        if (node == null) {
            return Optional.empty();
        }
        Mapping m = mapping(node, "admin");
        checkKeys(m, ADMIN_KEYS, "admin");
        String address = AdminConfig.DEFAULT_ADDRESS;
        if (m.get("address") != null) {
            address = string(m.get("address"), "admin.address");
            String a = address;
            at(m.get("address"), () -> AdminServer.builder().bind(a, AdminServer.DEFAULT_PORT));
        }
        int port = AdminServer.DEFAULT_PORT;
        if (m.get("port") != null) {
            port = integer(m.get("port"), "admin.port", "a port 0-65535");
            int p = port;
            at(m.get("port"), () -> AdminServer.builder().bind(AdminConfig.DEFAULT_ADDRESS, p));
        }
        List<AdminUser> users = adminUsers(required(m, "users", "admin"));
        AdminConfig.Tls tls = m.get("tls") == null ? AdminConfig.Tls.defaultSelfSigned()
                : adminTls(mapping(m.get("tls"), "admin.tls"));
        int attempts = AdminConfig.DEFAULT_LOGIN_ATTEMPTS;
        Duration per = AdminConfig.DEFAULT_LOGIN_PERIOD;
        if (m.get("loginAttempts") != null) {
            Mapping login = mapping(m.get("loginAttempts"), "admin.loginAttempts");
            checkKeys(login, ADMIN_LOGIN_KEYS, "admin.loginAttempts");
            if (login.get("attempts") != null) {
                attempts = integer(login.get("attempts"), "admin.loginAttempts.attempts", "an integer 1-1000");
            }
            if (login.get("per") != null) {
                per = duration(login.get("per"), "admin.loginAttempts.per");
            }
            int a = attempts;
            Duration d = per;
            Node countNode = login.get("attempts") != null ? login.get("attempts") : login;
            try {
                AdminServer.builder().loginAttempts(a, d);
            } catch (IllegalArgumentException e) {
                // The builder names the field: admin.loginAttempts (the count) or admin.loginPeriod (per).
                throw error(e.getMessage().startsWith("admin.loginPeriod") && login.get("per") != null
                        ? login.get("per") : countNode, e.getMessage());
            }
        }
        Duration sessionTimeout = AdminConfig.DEFAULT_SESSION_TIMEOUT;
        if (m.get("sessionTimeout") != null) {
            sessionTimeout = duration(m.get("sessionTimeout"), "admin.sessionTimeout");
            Duration d = sessionTimeout;
            at(m.get("sessionTimeout"), () -> AdminServer.builder().sessionTimeout(d));
        }
        return Optional.of(new AdminConfig(address, port, users, tls, attempts, per, sessionTimeout));
    }

    private List<AdminUser> adminUsers(Node node) {
        Sequence list = sequence(node, "admin.users");
        if (list.items().isEmpty()) {
            throw error(list, "admin.users: [] (expected: at least one user with name and passwordHash)");
        }
        Map<String, Node> names = new HashMap<>();
        List<AdminUser> users = new ArrayList<>();
        for (Node item : list.items()) {
            Mapping u = mapping(item, "an admin user");
            checkKeys(u, ADMIN_USER_KEYS, "an admin user");
            Node nameNode = required(u, "name", "an admin user");
            String name = string(nameNode, "admin.users.name");
            Node hashNode = required(u, "passwordHash", "admin user \"" + name + "\"");
            String hash = string(hashNode, "admin.users.passwordHash");
            try {
                users.add(new AdminUser(name, hash));
            } catch (IllegalArgumentException e) {
                boolean aboutName = e.getMessage().startsWith("name:");
                throw error(aboutName ? nameNode : hashNode, (aboutName ? "admin.users." : "admin.") + e.getMessage());
            }
            Node first = names.putIfAbsent(name, nameNode);
            if (first != null) {
                throw error(nameNode, "admin.users.name: \"" + name + "\" (expected: unique names; \"" + name
                        + "\" is already listed on line " + first.line() + ")");
            }
        }
        return users;
    }

    private AdminConfig.Tls adminTls(Mapping m) {
        checkKeys(m, ADMIN_TLS_KEYS, "admin.tls");
        Node selfSigned = m.get("selfSignedDirectory");
        Node keyStore = m.get("keyStore");
        Node passwordFile = m.get("keyStorePasswordFile");
        if (selfSigned != null && (keyStore != null || passwordFile != null)) {
            throw error(keyStore != null ? keyStore : passwordFile, "admin.tls: a key store together with"
                    + " selfSignedDirectory (expected: either selfSignedDirectory, or keyStore and"
                    + " keyStorePasswordFile)");
        }
        if (selfSigned != null) {
            return new AdminConfig.SelfSigned(path(selfSigned, "admin.tls.selfSignedDirectory"));
        }
        if (keyStore == null && passwordFile == null) {
            throw error(m, "admin.tls: empty (expected: selfSignedDirectory, or keyStore and keyStorePasswordFile)");
        }
        return new AdminConfig.KeyStore(path(required(m, "keyStore", "admin.tls"), "admin.tls.keyStore"),
                path(required(m, "keyStorePasswordFile", "admin.tls"), "admin.tls.keyStorePasswordFile"));
    }

    private Path path(Node n, String what) {
        String text = string(n, what);
        if (text.isBlank()) {
            throw error(n, what + ": \"\" (expected: a file or directory name)");
        }
        return at(n, () -> Path.of(text));
    }

    /**
     * The {@code ha:} section. VRRP values are checked by {@code VrrpInstance.Builder}'s own setters (nothing is
     * built, so no clock or socket is created), their "expected" part passed on with the file's own spelling of the
     * value; the rest (roles, addresses, ports, the secret file) is checked here.
     */
    private Optional<HaConfig> ha(Node node, EngineConfig engine) {
        if (node == null) {
            return Optional.empty();
        }
        Mapping m = mapping(node, "ha");
        Entry inline = m.entries().get("secret");
        if (inline != null) {
            // Said apart from "unknown key": the point is where the secret must not be, not a typo.
            throw new ConfigException(file, inline.line(), inline.column(), "ha.secret: an inline secret (expected:"
                    + " `secretFile:` naming a file that holds it; the secret itself never goes in the YAML)");
        }
        checkKeys(m, HA_KEYS, "ha");
        VrrpInstance.Builder vrrp = VrrpInstance.builder();
        Node ifaceNode = required(m, "interface", "ha");
        String iface = string(ifaceNode, "ha.interface");
        vrrpStep(ifaceNode, "interface", "\"" + iface + "\"", () -> vrrp.networkInterface(iface));
        int vrid = integer(required(m, "vrid", "ha"), "ha.vrid", "an integer 1-255");
        vrrpStep(m.get("vrid"), "vrid", Integer.toString(vrid), () -> vrrp.vrid(vrid));
        int priority = integer(required(m, "priority", "ha"), "ha.priority", "an integer 1-255");
        vrrpStep(m.get("priority"), "priority", Integer.toString(priority), () -> vrrp.priority(priority));
        Duration advert = HaConfig.DEFAULT_ADVERT_INTERVAL;
        if (m.get("advertInterval") != null) {
            advert = duration(m.get("advertInterval"), "ha.advertInterval");
            Duration a = advert;
            vrrpStep(m.get("advertInterval"), "advertInterval", ((Scalar) m.get("advertInterval")).text(),
                    () -> vrrp.advertInterval(a));
        }
        List<String> vips = ipv4List(required(m, "virtualAddresses", "ha"), "ha.virtualAddresses", false);
        boolean preempt = true;
        if (m.get("preempt") != null) {
            preempt = bool(m.get("preempt"), "ha.preempt");
            if (!preempt && priority == 255) {
                throw error(m.get("preempt"), "ha.preempt: false conflicts with priority 255 (expected: preempt: true"
                        + " or a priority 1-254; the address owner always becomes master)");
            }
        }
        Duration preemptDelay = Duration.ZERO;
        if (m.get("preemptDelay") != null) {
            preemptDelay = duration(m.get("preemptDelay"), "ha.preemptDelay");
            Duration d = preemptDelay;
            vrrpStep(m.get("preemptDelay"), "preemptDelay", ((Scalar) m.get("preemptDelay")).text(),
                    () -> vrrp.preemptDelay(d));
            if (!preempt && !preemptDelay.isZero()) {
                throw error(m.get("preemptDelay"), "ha.preemptDelay: " + ((Scalar) m.get("preemptDelay")).text()
                        + " conflicts with preempt: false (expected: 0 or no `preemptDelay:`; a delay applies only"
                        + " to preemption)");
            }
        }
        List<String> unicastPeers = m.get("unicastPeers") == null ? List.of()
                : ipv4List(m.get("unicastPeers"), "ha.unicastPeers", true);
        HaConfig.Role role = HaConfig.Role.valueOf(oneOf(required(m, "role", "ha"), "ha.role",
                List.of("primary", "secondary")).toUpperCase(java.util.Locale.ROOT));
        InetAddress listen = ipLiteral(required(m, "listen", "ha"), "ha.listen");
        Node peerNode = required(m, "peer", "ha");
        InetAddress peer = ipLiteral(peerNode, "ha.peer");
        if (peer.equals(listen)) {
            throw error(peerNode, "ha.peer: " + peer.getHostAddress() + " (expected: the other node's management"
                    + " address; " + peer.getHostAddress() + " is this node's, `listen:`)");
        }
        int replicationPort = HaConfig.DEFAULT_REPLICATION_PORT;
        if (m.get("replicationPort") != null) {
            replicationPort = port(m.get("replicationPort"), "ha.replicationPort");
        }
        OptionalInt flowSyncPort = OptionalInt.empty();
        Node flowNode = m.get("flowSyncPort");
        if (!engine.type().equals("packet")) {
            if (flowNode != null) {
                throw error(flowNode, "ha.flowSyncPort: only for engine packet (expected: no `flowSyncPort:` with"
                        + " engine " + engine.type() + "; it keeps no flow state to sync)");
            }
        } else {
            int p = flowNode == null ? HaConfig.DEFAULT_FLOW_SYNC_PORT : port(flowNode, "ha.flowSyncPort");
            if (p == replicationPort) {
                throw error(flowNode != null ? flowNode : m.get("replicationPort"), "ha.flowSyncPort: " + p
                        + " (expected: a port other than replicationPort " + replicationPort + ")");
            }
            flowSyncPort = OptionalInt.of(p);
        }
        Path secretFile = secretFile(required(m, "secretFile", "ha"));
        return Optional.of(new HaConfig(iface, vrid, priority, advert, vips, preempt, preemptDelay, unicastPeers,
                role, peer, listen, replicationPort, flowSyncPort, secretFile));
    }

    /**
     * Runs a {@code VrrpInstance.Builder} setter; on rejection reports {@code ha.KEY: VALUE (expected: ...)} with
     * the builder's "expected" text, so the builder stays the one place that knows the ranges.
     */
    private void vrrpStep(Node node, String key, String shown, Runnable step) {
        try {
            step.run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            Matcher expected = EXPECTED.matcher(String.valueOf(e.getMessage()));
            throw error(node, "ha." + key + ": " + shown + " (expected: "
                    + (expected.find() ? expected.group(1) : e.getMessage()) + ")");
        }
    }

    /** A list of IPv4 literals (or one, written without brackets), none twice; may be empty only if allowed. */
    private List<String> ipv4List(Node node, String what, boolean mayBeEmpty) {
        List<Node> items = node instanceof Sequence s ? s.items() : List.of(node);
        if (items.isEmpty() && !mayBeEmpty) {
            throw error(node, what + ": [] (expected: at least one IPv4 address)");
        }
        Map<String, Node> seen = new HashMap<>();
        List<String> addresses = new ArrayList<>();
        for (Node item : items) {
            InetAddress a = ipLiteral(item, what);
            if (!(a instanceof Inet4Address)) {
                throw error(item, what + ": " + ((Scalar) item).text() + " (expected: an IPv4 address; IPv6 VRRP is"
                        + " not supported yet)");
            }
            Node first = seen.putIfAbsent(a.getHostAddress(), item);
            if (first != null) {
                throw error(item, what + ": " + a.getHostAddress() + " (expected: each address once; already listed"
                        + " on line " + first.line() + ")");
            }
            addresses.add(a.getHostAddress());
        }
        return List.copyOf(addresses);
    }

    /** An IPv4 or IPv6 literal; never looked up in DNS (a host name is an error, not a query). */
    private InetAddress ipLiteral(Node node, String what) {
        Scalar s = scalar(node, what);
        String text = s.text();
        Matcher v4 = IPV4.matcher(text);
        boolean valid;
        if (v4.matches()) {
            valid = true;
            for (int i = 1; i <= 4; i++) {
                valid &= Integer.parseInt(v4.group(i)) <= 255;
            }
        } else {
            // InetAddress parses a text with a colon as an IPv6 literal and never resolves it.
            valid = text.indexOf(':') >= 0 && text.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':'
                    || c == '.');
        }
        if (valid) {
            try {
                return InetAddress.getByName(text);
            } catch (UnknownHostException e) {
                // reported below
            }
        }
        throw error(s, what + ": " + s.shown() + " (expected: an IP address literal such as 192.168.100.2)");
    }

    private int port(Node node, String what) {
        int p = integer(node, what, "a port 1-65535");
        if (p < 1 || p > 65535) {
            throw error(node, what + ": " + p + " (expected: 1-65535)");
        }
        return p;
    }

    private boolean bool(Node node, String what) {
        Scalar s = scalar(node, what);
        return switch (s.token()) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            default -> throw error(s, what + ": " + s.shown() + " (expected: true or false)");
        };
    }

    /** The secret file must exist and hold enough bytes now, so a bad file stops the start, not the first push. */
    private Path secretFile(Node node) {
        Path path = path(node, "ha.secretFile");
        String expected = "a readable file holding the shared secret, at least " + HaConfig.MIN_SECRET_BYTES
                + " bytes, the same on both nodes";
        byte[] secret;
        try {
            secret = HaConfig.secretBytes(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            throw error(node, "ha.secretFile: " + path + ": no such file (expected: " + expected + ")");
        } catch (IOException e) {
            throw error(node, "ha.secretFile: " + path + ": cannot read: " + e.getMessage() + " (expected: "
                    + expected + ")");
        }
        int length = secret.length;
        Arrays.fill(secret, (byte) 0);
        if (length < HaConfig.MIN_SECRET_BYTES) {
            throw error(node, "ha.secretFile: " + path + " holds " + length + " byte" + (length == 1 ? "" : "s")
                    + " (expected: at least " + HaConfig.MIN_SECRET_BYTES + " bytes, e.g. from `head -c 32"
                    + " /dev/urandom | base64`)");
        }
        return path;
    }

    // ------------------------------------------------------------------------------------------------ locating

    /**
     * The node a builder's message is about. Messages start with a field path such as {@code fallback.port} or
     * {@code realServer[PrimaryCluster].address}; each step is followed from {@code start} as far as the file has
     * it, so the error points at the value itself, or at the closest enclosing node.
     */
    private static Node locate(Mapping start, String message) {
        int colon = message == null ? -1 : message.indexOf(':');
        if (colon < 0) {
            return start;
        }
        Node at = start;
        for (String step : message.substring(0, colon).split("\\.")) {
            if (!(at instanceof Mapping m)) {
                break;
            }
            Matcher indexed = INDEXED.matcher(step);
            if (indexed.matches() && indexed.group(1).equals("realServer") && m.get("realServers") instanceof Sequence s) {
                Node found = null;
                for (Node item : s.items()) {
                    if (item instanceof Mapping r && r.get("label") instanceof Scalar l && l.text().equals(indexed.group(2))) {
                        found = item;
                    }
                }
                if (found == null) {
                    break;
                }
                at = found;
            } else if (m.get(step) != null) {
                at = m.get(step);
            }
            // A step the mapping lacks names the section we are already in (healthCheck.timeout from inside the
            // healthCheck): skip it and look for the next one here.
        }
        return at;
    }

    private static Node locateAcrossServices(String message, List<VirtualService> services,
                                             Map<VirtualService, Mapping> nodes, Sequence list) {
        // "services[PACS].ports: 104 (...)" names the later service that reuses a port.
        Matcher m = Pattern.compile("services\\[(.*?)]\\.ports: (\\d+)").matcher(message);
        if (m.find()) {
            String label = m.group(1);
            int port = Integer.parseInt(m.group(2));
            for (VirtualService s : services) {
                if (s.label().equals(label)) {
                    Mapping svc = nodes.get(s);
                    Node ports = svc.get("ports");
                    if (ports instanceof Sequence seq) {
                        for (Node item : seq.items()) {
                            if (item instanceof Scalar sc && sc.text().equals(String.valueOf(port))) {
                                return item;
                            }
                        }
                    }
                    return ports != null ? ports : svc;
                }
            }
        }
        // "services: "PACS" (expected: unique labels...)": the second service with that label.
        Matcher dup = Pattern.compile("services: \"(.*?)\"").matcher(message);
        if (dup.find()) {
            Set<String> seen = new LinkedHashSet<>();
            for (VirtualService s : services) {
                if (!seen.add(s.label())) {
                    Mapping svc = nodes.get(s);
                    return svc.get("label") != null ? svc.get("label") : svc;
                }
            }
        }
        return list;
    }

    // ------------------------------------------------------------------------------------------------ scalars

    private void checkKeys(Mapping m, Set<String> allowed, String where) {
        for (Entry e : m.entries().values()) {
            if (!allowed.contains(e.key())) {
                throw new ConfigException(file, e.line(), e.column(), "unknown key \"" + e.key() + "\" in " + where
                        + " (expected one of: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    private Node required(Mapping m, String key, String where) {
        Node n = m.get(key);
        if (n == null) {
            throw error(m, key + ": missing in " + where + " (expected: a `" + key + ":` entry)");
        }
        return n;
    }

    private Mapping mapping(Node n, String what) {
        if (n instanceof Mapping m) {
            return m;
        }
        throw error(n, what + ": " + n.kind() + " (expected: a mapping of keys to values)");
    }

    private Sequence sequence(Node n, String what) {
        if (n instanceof Sequence s) {
            return s;
        }
        throw error(n, what + ": " + n.kind() + " (expected: a list)");
    }

    private Scalar scalar(Node n, String what) {
        if (n instanceof Scalar s && !s.isNull()) {
            return s;
        }
        throw error(n, what + ": " + n.kind() + " (expected: a single value)");
    }

    private String string(Node n, String what) {
        Scalar s = scalar(n, what);
        if (s.token() != JsonToken.VALUE_STRING) {
            throw error(s, what + ": " + s.shown() + " is " + s.kind() + " (expected: a string)");
        }
        return s.text();
    }

    private String optString(Mapping m, String key, String otherwise) {
        return m.get(key) == null ? otherwise : string(m.get(key), key);
    }

    private String oneOf(Node n, String what, List<String> allowed) {
        Scalar s = scalar(n, what);
        if (!allowed.contains(s.text())) {
            throw error(s, what + ": " + s.shown() + " (expected: " + String.join(" | ", allowed) + ")");
        }
        return s.text();
    }

    private int integer(Node n, String what, String expected) {
        Scalar s = scalar(n, what);
        if (s.token() != JsonToken.VALUE_NUMBER_INT) {
            throw error(s, what + ": " + s.shown() + " (expected: " + expected + ")");
        }
        try {
            return Integer.parseInt(s.text());
        } catch (NumberFormatException e) {
            throw error(s, what + ": " + s.text() + " (expected: " + expected + ")");
        }
    }

    private int optInt(Mapping m, String key, int otherwise) {
        return m.get(key) == null ? otherwise : integer(m.get(key), key, "an integer");
    }

    private boolean optBool(Mapping m, String key, boolean otherwise) {
        if (m.get(key) == null) {
            return otherwise;
        }
        Scalar s = scalar(m.get(key), key);
        return switch (s.token()) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            default -> throw error(s, key + ": " + s.shown() + " (expected: true or false)");
        };
    }

    private Duration duration(Node n, String what) {
        Scalar s = scalar(n, what);
        try {
            return parseDuration(s.text());
        } catch (IllegalArgumentException e) {
            throw error(s, what + ": " + s.shown() + " (expected: " + Format.DURATION_FORMS + ")");
        }
    }

    private Duration optDuration(Mapping m, String key, Duration otherwise) {
        return m.get(key) == null ? otherwise : duration(m.get(key), "engine." + key);
    }

    /** Runs a builder step, giving its exception the location of {@code node}. */
    private <T> T at(Node node, Supplier<T> step) {
        try {
            return step.get();
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException | IllegalStateException e) {
            throw error(node, e.getMessage());
        }
    }

    private void atRun(Node node, Runnable step) {
        at(node, () -> {
            step.run();
            return null;
        });
    }

    private ConfigException error(Node n, String problem) {
        return new ConfigException(file, n == null ? 0 : n.line(), n == null ? 0 : n.column(), problem);
    }
}
