package io.lb4j.appliance.config;

import io.lb4j.admin.AdminRole;
import io.lb4j.admin.AdminServer;
import io.lb4j.admin.AdminUser;
import io.lb4j.admin.ConfigCodec;
import io.lb4j.api.VirtualService;
import io.lb4j.api.internal.Addresses;
import io.lb4j.config.ConfigException;
import io.lb4j.config.ConfigNode.Mapping;
import io.lb4j.config.ConfigNode;
import io.lb4j.config.SecretFile;
import io.lb4j.config.ServiceMapping;
import io.lb4j.engine.proxy.Transport;
import io.lb4j.ha.vrrp.VrrpInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an appliance file (YAML) into an {@link ApplianceConfig}:
 *
 * <pre>{@code
 * engine: proxy            # proxy | packet (packet: needs `interface:`)
 * services:                # lb-config's services: see lb-config/README-config.md
 *   - label: PACS
 *     address: 127.0.0.1
 *     ports: [104, 80, 8080, 443, 8443, 5222, 1001]
 *     forwarding: proxy    # direct-routing | nat | tunnel | proxy
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
 * snmp:                    # optional: an AgentX subagent of net-snmp's snmpd (lb-snmp), see SnmpConfig
 *   agentx: /var/agentx/master
 * alerts:                  # optional: email, syslog, webhook, notify script (lb-alerts), see AlertsSection
 *   email: { server: smtp.example.org, username: lb4j, passwordFile: /etc/lb4j/smtp.secret, ... }
 * }</pre>
 *
 * <p>{@code services:} is read by lb-config's {@link ServiceMapping}, the mapping the admin API and HA replication
 * use too; this class reads the sections only the appliance has ({@code engine}, {@code interface}, {@code admin},
 * {@code ha}) with lb-config's readers, so every message has one shape.
 *
 * <p>Guarantees: a file loads only if every key is known and every value valid; otherwise a {@link ConfigException}
 * says {@code file:line:column} of the offending key or value and what is allowed. Values are checked by the
 * builders of lb-api, lb-admin and lb-ha, whose messages are passed on with the location of the node they concern.
 * Loading has no side effects (nothing is bound or started; {@code ha.secretFile} is read to check its length, and
 * not kept). Thread-safe: the class has no state.
 */
public final class ConfigLoader {

    private static final Set<String> TOP_KEYS = Set.of("engine", "interface", "services", "admin", "ha",
            "scriptDirectories", "snmp", "alerts", "cluster");
    private static final Set<String> ENGINE_KEYS = Set.of("type", "ioThreads", "connectTimeout", "maxPendingBytes",
            "udpIdleTimeout", "transport");
    private static final List<String> ENGINE_TYPES = List.of("proxy", "packet");
    // engine.transport's values: ProxyEngine's Transport constants in lower case (io_uring, not IO_URING).
    private static final List<String> TRANSPORTS = List.of("auto", "nio", "epoll", "io_uring");
    private static final Set<String> ADMIN_KEYS = Set.of("address", "port", "users", "tls", "loginAttempts",
            "sessionTimeout");
    private static final Set<String> ADMIN_USER_KEYS = Set.of("name", "passwordHash", "role");
    private static final Set<String> ADMIN_TLS_KEYS = Set.of("selfSignedDirectory", "keyStore", "keyStorePasswordFile");
    private static final Set<String> ADMIN_LOGIN_KEYS = Set.of("attempts", "per");
    private static final Set<String> HA_KEYS = Set.of("interface", "vrid", "priority", "advertInterval",
            "virtualAddresses", "preempt", "preemptDelay", "unicastPeers", "role", "peer", "listen", "replicationPort",
            "flowSyncPort", "secretFile", "stateDirectory");
    private static final Pattern EXPECTED = Pattern.compile("\\(expected: (.*)\\)$");

    private ConfigLoader() {
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
            throw new ConfigException(path.toString(), "cannot read the file: " + e, e);
        }
        return parse(text, path.toString());
    }

    /**
     * Checks YAML text; {@code fileName} is what messages call it.
     *
     * @throws ConfigException naming the file, the line and column, and the problem
     */
    public static ApplianceConfig parse(String yaml, String fileName) {
        return document(ConfigNode.parseYaml(yaml, fileName), null);
    }

    /**
     * Checks YAML text sent to a running appliance (the admin server's {@code PUT /api/config}): the same syntax
     * and rules as the file, with two differences that follow from the engine and the admin server already
     * running. A service without {@code forwarding:} gets the running engine's default method even when the text
     * has no {@code engine:}; and {@code engine:}, {@code interface:}, {@code admin:}, {@code ha:} and {@code snmp:}, when the text
     * has them, must equal the running ones, since they change only with a restart.
     *
     * @param running what the appliance runs
     * @throws ConfigException naming {@code name}, the line and column, and the problem
     */
    public static List<VirtualService> parseServices(String yaml, String name, ApplianceConfig running) {
        Objects.requireNonNull(running, "running");
        return document(ConfigNode.parseYaml(yaml, name), running).services();
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
    private static ApplianceConfig document(ConfigNode root, ApplianceConfig running) {
        Mapping top = root.asMapping("the file");
        top.checkKeys(TOP_KEYS, "the top level");
        EngineConfig engine = engine(top, running);
        Optional<AdminConfig> admin = admin(top.get("admin"));
        if (running != null && admin.isPresent() && !admin.equals(running.admin())) {
            throw top.get("admin").error("admin: differs from the running admin server's settings (expected: the"
                    + " running settings or no `admin:`; admin settings change only with a restart)");
        }
        Optional<HaConfig> ha = ha(top.get("ha"), engine);
        if (running != null && ha.isPresent() && !ha.equals(running.ha())) {
            throw top.get("ha").error("ha: differs from the running pair's settings (expected: the running settings"
                    + " or no `ha:`; ha settings change only with a restart)");
        }
        List<Path> scriptDirectories = top.has("scriptDirectories")
                ? scriptDirectories(top.get("scriptDirectories")) : ApplianceConfig.DEFAULT_SCRIPT_DIRECTORIES;
        if (running != null && top.has("scriptDirectories")
                && !scriptDirectories.equals(running.scriptDirectories())) {
            throw top.get("scriptDirectories").error("scriptDirectories: differs from the running balancer's"
                    + " (expected: the running directories or no `scriptDirectories:`; they change only with a"
                    + " restart)");
        }
        if (running != null) {
            scriptDirectories = running.scriptDirectories();
        }
        // alerts: (AlertsSection); its notify script comes from the script directories.
        Optional<AlertsConfig> alerts = AlertsSection.read(top.get("alerts"), scriptDirectories);
        if (running != null && alerts.isPresent() && !alerts.equals(running.alerts())) {
            throw top.get("alerts").error("alerts: differs from the running alerts' settings (expected: the running"
                    + " settings or no `alerts:`; alert settings change only with a restart)");
        }
        List<VirtualService> services = ServiceMapping.read(top.required("services", "the top level"),
                engine.defaultMethod());
        checkClientAddressTransport(engine, top.get("services"), services);
        Optional<SnmpConfig> snmp = SnmpConfig.read(top.get("snmp"));
        if (running != null && snmp.isPresent() && !snmp.equals(running.snmp())) {
            throw top.get("snmp").error("snmp: differs from the running SNMP agent's settings (expected: the running"
                    + " settings or no `snmp:`; snmp settings change only with a restart)");
        }
        ClusterSection.Read cluster = ClusterSection.read(top, services, engine); // Maglev by default in a cluster
        return new ApplianceConfig(engine, cluster.services(), admin, ha, scriptDirectories, snmp, alerts,
                cluster.cluster());
    }

    /**
     * A service that keeps the client's address needs a native transport of the proxy engine ({@code IP_TRANSPARENT}):
     * said at the service's key when the file is read, so {@code --check} and a reload refuse it as the start would
     * when the file forces Java NIO. (With {@code auto} the engine's start says whether io_uring or epoll runs here.)
     */
    private static void checkClientAddressTransport(EngineConfig engine, ConfigNode list,
                                                    List<VirtualService> services) {
        if (!engine.type().equals("proxy") || engine.transport() != io.lb4j.engine.proxy.Transport.NIO) {
            return;
        }
        List<ConfigNode> items = list.asSequence("services").items();
        for (int i = 0; i < services.size(); i++) {
            if (services.get(i).preserveClientAddress()) {
                throw items.get(i).asMapping("a service").get("preserveClientAddress").error("preserveClientAddress:"
                        + " true (expected: false, or engine: { transport: auto | io_uring | epoll }: IP_TRANSPARENT"
                        + " needs a native transport of the proxy engine)");
            }
        }
    }

    private static EngineConfig engine(Mapping top, ApplianceConfig running) {
        ConfigNode node = top.get("engine");
        ConfigNode iface = top.get("interface");
        if (running == null) {
            return engine(node, iface);
        }
        if (node == null && iface == null) {
            return running.engine();
        }
        EngineConfig config = engine(node, iface);
        if (!config.equals(running.engine())) {
            throw (node != null ? node : iface).error("engine: " + config.type() + " differs from the running"
                    + " engine's settings (expected: the running settings or no `engine:`; the engine changes only"
                    + " with a restart)");
        }
        return config;
    }

    /** {@code engine.transport}: one of {@link #TRANSPORTS}, and one that can run here. */
    private static Transport transport(ConfigNode node) {
        String text = node.asOneOf("engine.transport", TRANSPORTS);
        Transport t = Transport.valueOf(text.toUpperCase(Locale.ROOT));
        if (!t.isAvailable()) {
            throw node.error("engine.transport: " + text + " is not available here: "
                    + t.unavailabilityCause().map(Throwable::toString).orElse("unknown cause")
                    + " (expected: auto, nio, or a native transport this machine runs)");
        }
        return t;
    }

    private static EngineConfig engine(ConfigNode node, ConfigNode iface) {
        EngineConfig d = EngineConfig.PROXY_DEFAULTS;
        String type;
        EngineConfig config;
        if (node == null || node instanceof ConfigNode.Scalar) {
            type = node == null ? "proxy" : node.asOneOf("engine", ENGINE_TYPES);
            config = new EngineConfig(type, "", d.ioThreads(), d.connectTimeout(), d.maxPendingBytes(),
                    d.udpIdleTimeout(), d.transport());
        } else {
            Mapping m = node.asMapping("engine");
            m.checkKeys(ENGINE_KEYS, "engine");
            type = m.required("type", "engine").asOneOf("engine.type", ENGINE_TYPES);
            if (type.equals("packet")) {
                for (String key : m.keys()) {
                    if (!key.equals("type")) {
                        throw m.errorAtKey(key, "engine." + key + ": a proxy engine option (expected: only `type`"
                                + " for the packet engine)");
                    }
                }
            }
            int ioThreads = m.has("ioThreads") ? m.get("ioThreads").asInt("engine.ioThreads", "an integer")
                    : d.ioThreads();
            if (m.has("ioThreads") && ioThreads < 1) {
                // 0 stands for "the engine's default" inside EngineConfig; written in a file it is a mistake.
                throw m.get("ioThreads").error("engine.ioThreads: " + ioThreads + " (expected: 1-1024)");
            }
            config = new EngineConfig(type, "", ioThreads,
                    m.has("connectTimeout") ? m.get("connectTimeout").asDuration("engine.connectTimeout")
                            : d.connectTimeout(),
                    m.has("maxPendingBytes") ? m.get("maxPendingBytes").asInt("engine.maxPendingBytes", "an integer")
                            : d.maxPendingBytes(),
                    m.has("udpIdleTimeout") ? m.get("udpIdleTimeout").asDuration("engine.udpIdleTimeout")
                            : d.udpIdleTimeout(),
                    m.has("transport") ? transport(m.get("transport")) : d.transport());
        }
        if (type.equals("packet")) {
            if (iface == null) {
                throw node.error("engine: packet needs `interface:` (expected: the network interface the packet"
                        + " engine serves, e.g. interface: eth0)");
            }
            return new EngineConfig(type, iface.asString("interface"), 0, d.connectTimeout(), d.maxPendingBytes(),
                    d.udpIdleTimeout(), d.transport());
        }
        if (iface != null) {
            throw iface.error("interface: only for engine packet (expected: no `interface:` with engine " + type
                    + ")");
        }
        if (node != null) {
            // Build one (nothing starts) so a bad option is reported here, at its line, not when the runner starts.
            node.at(config::create);
        }
        return config;
    }

    /** The {@code admin:} section; every value checked by the admin server's own builder and types. */
    private static Optional<AdminConfig> admin(ConfigNode node) {
        if (node == null) {
            return Optional.empty();
        }
        Mapping m = node.asMapping("admin");
        m.checkKeys(ADMIN_KEYS, "admin");
        String address = AdminConfig.DEFAULT_ADDRESS;
        if (m.has("address")) {
            String a = m.get("address").asString("admin.address");
            m.get("address").at(() -> AdminServer.builder().bind(a, AdminServer.DEFAULT_PORT));
            address = a;
        }
        int port = AdminServer.DEFAULT_PORT;
        if (m.has("port")) {
            int p = m.get("port").asInt("admin.port", "a port 0-65535");
            m.get("port").at(() -> AdminServer.builder().bind(AdminConfig.DEFAULT_ADDRESS, p));
            port = p;
        }
        List<AdminUser> users = adminUsers(m.required("users", "admin"));
        AdminConfig.Tls tls = m.has("tls") ? adminTls(m.get("tls").asMapping("admin.tls"))
                : AdminConfig.Tls.defaultSelfSigned();
        int attempts = AdminConfig.DEFAULT_LOGIN_ATTEMPTS;
        Duration per = AdminConfig.DEFAULT_LOGIN_PERIOD;
        if (m.has("loginAttempts")) {
            Mapping login = m.get("loginAttempts").asMapping("admin.loginAttempts");
            login.checkKeys(ADMIN_LOGIN_KEYS, "admin.loginAttempts");
            if (login.has("attempts")) {
                attempts = login.get("attempts").asInt("admin.loginAttempts.attempts", "an integer 1-1000");
            }
            if (login.has("per")) {
                per = login.get("per").asDuration("admin.loginAttempts.per");
            }
            int a = attempts;
            Duration d = per;
            try {
                AdminServer.builder().loginAttempts(a, d);
            } catch (IllegalArgumentException e) {
                // The builder names the field: admin.loginAttempts (the count) or admin.loginPeriod (per).
                boolean aboutPeriod = String.valueOf(e.getMessage()).startsWith("admin.loginPeriod")
                        && login.has("per");
                ConfigNode at = aboutPeriod ? login.get("per") : login.has("attempts") ? login.get("attempts") : login;
                throw at.error(e.getMessage());
            }
        }
        Duration sessionTimeout = AdminConfig.DEFAULT_SESSION_TIMEOUT;
        if (m.has("sessionTimeout")) {
            Duration d = m.get("sessionTimeout").asDuration("admin.sessionTimeout");
            m.get("sessionTimeout").at(() -> AdminServer.builder().sessionTimeout(d));
            sessionTimeout = d;
        }
        return Optional.of(new AdminConfig(address, port, users, tls, attempts, per, sessionTimeout));
    }

    private static List<AdminUser> adminUsers(ConfigNode node) {
        List<ConfigNode> items = node.asSequence("admin.users").items();
        if (items.isEmpty()) {
            throw node.error("admin.users: [] (expected: at least one user with name and passwordHash)");
        }
        Map<String, ConfigNode> names = new HashMap<>();
        List<AdminUser> users = new ArrayList<>();
        for (ConfigNode item : items) {
            Mapping u = item.asMapping("an admin user");
            u.checkKeys(ADMIN_USER_KEYS, "an admin user");
            ConfigNode nameNode = u.required("name", "an admin user");
            String name = nameNode.asString("admin.users.name");
            ConfigNode hashNode = u.required("passwordHash", "admin user \"" + name + "\"");
            String hash = hashNode.asString("admin.users.passwordHash");
            AdminRole role = AdminRole.OPERATOR;
            if (u.has("role")) {
                ConfigNode roleNode = u.get("role");
                String text = roleNode.asString("admin.users.role");
                role = roleNode.at(() -> AdminRole.of(text));
            }
            try {
                users.add(new AdminUser(name, hash, role));
            } catch (IllegalArgumentException e) {
                boolean aboutName = e.getMessage().startsWith("name:");
                throw (aboutName ? nameNode : hashNode).error((aboutName ? "admin.users." : "admin.") + e.getMessage());
            }
            ConfigNode first = names.putIfAbsent(name, nameNode);
            if (first != null) {
                throw nameNode.error("admin.users.name: \"" + name + "\" (expected: unique names; \"" + name
                        + "\" is already listed on line " + first.line() + ")");
            }
        }
        return users;
    }

    private static AdminConfig.Tls adminTls(Mapping m) {
        m.checkKeys(ADMIN_TLS_KEYS, "admin.tls");
        ConfigNode selfSigned = m.get("selfSignedDirectory");
        ConfigNode keyStore = m.get("keyStore");
        ConfigNode passwordFile = m.get("keyStorePasswordFile");
        if (selfSigned != null && (keyStore != null || passwordFile != null)) {
            throw (keyStore != null ? keyStore : passwordFile).error("admin.tls: a key store together with"
                    + " selfSignedDirectory (expected: either selfSignedDirectory, or keyStore and"
                    + " keyStorePasswordFile)");
        }
        if (selfSigned != null) {
            return new AdminConfig.SelfSigned(path(selfSigned, "admin.tls.selfSignedDirectory"));
        }
        if (keyStore == null && passwordFile == null) {
            throw m.error("admin.tls: empty (expected: selfSignedDirectory, or keyStore and keyStorePasswordFile)");
        }
        return new AdminConfig.KeyStore(path(m.required("keyStore", "admin.tls"), "admin.tls.keyStore"),
                path(m.required("keyStorePasswordFile", "admin.tls"), "admin.tls.keyStorePasswordFile"));
    }

    /**
     * {@code scriptDirectories:}: absolute directories, none twice, the only places {@code external} check scripts
     * may come from; the balancer's builder checks the rest (and each script, when the services are built).
     */
    private static List<Path> scriptDirectories(ConfigNode node) {
        List<ConfigNode> items = node instanceof ConfigNode.Sequence ? node.asSequence("scriptDirectories").items()
                : List.of(node);
        List<Path> directories = new ArrayList<>();
        for (ConfigNode item : items) {
            Path dir = path(item, "scriptDirectories");
            if (!dir.isAbsolute()) {
                throw item.error("scriptDirectories: " + dir + " (expected: absolute paths, such as /etc/lb4j/checks)");
            }
            if (directories.contains(dir)) {
                throw item.error("scriptDirectories: " + dir + " (expected: each directory once)");
            }
            directories.add(dir);
        }
        return List.copyOf(directories);
    }

    static Path path(ConfigNode n, String what) {
        String text = n.asString(what);
        if (text.isBlank()) {
            throw n.error(what + ": \"\" (expected: a file or directory name)");
        }
        return n.at(() -> Path.of(text));
    }

    /**
     * The {@code ha:} section. VRRP values are checked by {@code VrrpInstance.Builder}'s own setters (nothing is
     * built, so no clock or socket is created), their "expected" part passed on with the file's own spelling of the
     * value; the rest (roles, addresses, ports, the secret file) is checked here.
     */
    private static Optional<HaConfig> ha(ConfigNode node, EngineConfig engine) {
        if (node == null) {
            return Optional.empty();
        }
        Mapping m = node.asMapping("ha");
        if (m.has("secret")) {
            // Said apart from "unknown key": the point is where the secret must not be, not a typo.
            throw m.errorAtKey("secret", "ha.secret: an inline secret (expected: `secretFile:` naming a file that"
                    + " holds it; the secret itself never goes in the YAML)");
        }
        m.checkKeys(HA_KEYS, "ha");
        VrrpInstance.Builder vrrp = VrrpInstance.builder();
        ConfigNode ifaceNode = m.required("interface", "ha");
        String iface = ifaceNode.asString("ha.interface");
        vrrpStep(ifaceNode, "interface", "\"" + iface + "\"", () -> vrrp.networkInterface(iface));
        ConfigNode vridNode = m.required("vrid", "ha");
        int vrid = vridNode.asInt("ha.vrid", "an integer 1-255");
        vrrpStep(vridNode, "vrid", Integer.toString(vrid), () -> vrrp.vrid(vrid));
        ConfigNode priorityNode = m.required("priority", "ha");
        int priority = priorityNode.asInt("ha.priority", "an integer 1-255");
        vrrpStep(priorityNode, "priority", Integer.toString(priority), () -> vrrp.priority(priority));
        Duration advert = HaConfig.DEFAULT_ADVERT_INTERVAL;
        if (m.has("advertInterval")) {
            ConfigNode n = m.get("advertInterval");
            Duration a = n.asDuration("ha.advertInterval");
            vrrpStep(n, "advertInterval", n.asScalar("ha.advertInterval").text(), () -> vrrp.advertInterval(a));
            advert = a;
        }
        List<String> vips = vrrpAddresses(m.required("virtualAddresses", "ha"), "ha.virtualAddresses", false, null);
        boolean preempt = true;
        if (m.has("preempt")) {
            preempt = m.get("preempt").asBoolean("ha.preempt");
            if (!preempt && priority == 255) {
                throw m.get("preempt").error("ha.preempt: false conflicts with priority 255 (expected: preempt: true"
                        + " or a priority 1-254; the address owner always becomes master)");
            }
        }
        Duration preemptDelay = Duration.ZERO;
        if (m.has("preemptDelay")) {
            ConfigNode n = m.get("preemptDelay");
            String shown = n.asScalar("ha.preemptDelay").text();
            Duration d = n.asDuration("ha.preemptDelay");
            vrrpStep(n, "preemptDelay", shown, () -> vrrp.preemptDelay(d));
            if (!preempt && !d.isZero()) {
                throw n.error("ha.preemptDelay: " + shown + " conflicts with preempt: false (expected: 0 or no"
                        + " `preemptDelay:`; a delay applies only to preemption)");
            }
            preemptDelay = d;
        }
        List<String> unicastPeers = m.has("unicastPeers")
                ? vrrpAddresses(m.get("unicastPeers"), "ha.unicastPeers", true, InetAddress.ofLiteral(vips.getFirst()))
                : List.of();
        HaConfig.Role role = HaConfig.Role.valueOf(m.required("role", "ha").asOneOf("ha.role",
                List.of("primary", "secondary")).toUpperCase(Locale.ROOT));
        InetAddress listen = ipLiteral(m.required("listen", "ha"), "ha.listen");
        ConfigNode peerNode = m.required("peer", "ha");
        InetAddress peer = ipLiteral(peerNode, "ha.peer");
        if (peer.equals(listen)) {
            throw peerNode.error("ha.peer: " + Addresses.text(peer) + " (expected: the other node's management"
                    + " address; " + Addresses.text(peer) + " is this node's, `listen:`)");
        }
        int replicationPort = m.has("replicationPort") ? port(m.get("replicationPort"), "ha.replicationPort")
                : HaConfig.DEFAULT_REPLICATION_PORT;
        OptionalInt flowSyncPort = OptionalInt.empty();
        ConfigNode flowNode = m.get("flowSyncPort");
        if (!engine.type().equals("packet")) {
            if (flowNode != null) {
                throw flowNode.error("ha.flowSyncPort: only for engine packet (expected: no `flowSyncPort:` with"
                        + " engine " + engine.type() + "; it keeps no flow state to sync)");
            }
        } else {
            int p = flowNode == null ? HaConfig.DEFAULT_FLOW_SYNC_PORT : port(flowNode, "ha.flowSyncPort");
            if (p == replicationPort) {
                throw (flowNode != null ? flowNode : m.get("replicationPort")).error("ha.flowSyncPort: " + p
                        + " (expected: a port other than replicationPort " + replicationPort + ")");
            }
            flowSyncPort = OptionalInt.of(p);
        }
        Path secretFile = secretFile(m.required("secretFile", "ha"), "ha.secretFile");
        Path stateDirectory = Path.of(HaConfig.DEFAULT_STATE_DIRECTORY);
        if (m.has("stateDirectory")) {
            stateDirectory = path(m.get("stateDirectory"), "ha.stateDirectory");
            if (!stateDirectory.isAbsolute()) {
                throw m.get("stateDirectory").error("ha.stateDirectory: " + stateDirectory + " (expected: an absolute"
                        + " directory, such as " + HaConfig.DEFAULT_STATE_DIRECTORY + ")");
            }
        }
        return Optional.of(new HaConfig(iface, vrid, priority, advert, vips, preempt, preemptDelay, unicastPeers,
                role, peer, listen, replicationPort, flowSyncPort, secretFile, stateDirectory));
    }

    /**
     * Runs a {@code VrrpInstance.Builder} setter; on rejection reports {@code ha.KEY: VALUE (expected: ...)} with
     * the builder's "expected" text, so the builder stays the one place that knows the ranges.
     */
    private static void vrrpStep(ConfigNode node, String key, String shown, Runnable step) {
        try {
            step.run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            Matcher expected = EXPECTED.matcher(String.valueOf(e.getMessage()));
            throw node.error("ha." + key + ": " + shown + " (expected: "
                    + (expected.find() ? expected.group(1) : e.getMessage()) + ")");
        }
    }

    /**
     * A list of IP literals (or one, written without brackets) of one family, none twice; may be empty only if
     * allowed. One VRRP instance carries one family (RFC 5798): the family of {@code like}, or of the first item.
     */
    private static List<String> vrrpAddresses(ConfigNode node, String what, boolean mayBeEmpty, InetAddress like) {
        List<ConfigNode> items = node.asItems(what);
        if (items.isEmpty() && !mayBeEmpty) {
            throw node.error(what + ": [] (expected: at least one IPv4 or IPv6 address)");
        }
        Map<String, ConfigNode> seen = new HashMap<>();
        List<String> addresses = new ArrayList<>();
        for (ConfigNode item : items) {
            InetAddress a = ipLiteral(item, what);
            if (like == null) {
                like = a;
            } else if ((a instanceof Inet4Address) != (like instanceof Inet4Address)) {
                String family = like instanceof Inet4Address ? "IPv4" : "IPv6";
                throw item.error(what + ": " + item.asScalar(what).text() + " (expected: an " + family + " address"
                        + " like " + Addresses.text(like) + "; the pair's VRRP instance carries one family)");
            }
            if (what.equals("ha.virtualAddresses")) {
                // The builder knows what a virtual address may not be (multicast, wildcard, IPv6 link-local).
                vrrpStep(item, "virtualAddresses", item.asScalar(what).text(),
                        () -> VrrpInstance.builder().virtualAddress(a));
            }
            ConfigNode first = seen.putIfAbsent(Addresses.text(a), item);
            if (first != null) {
                throw item.error(what + ": " + Addresses.text(a) + " (expected: each address once; already listed"
                        + " on line " + first.line() + ")");
            }
            addresses.add(Addresses.text(a));
        }
        return List.copyOf(addresses);
    }

    /**
     * An IPv4 or IPv6 literal (IPv6 also in brackets), parsed as the services' addresses are; never looked up in DNS
     * (a host name is an error, not a query).
     */
    static InetAddress ipLiteral(ConfigNode node, String what) {
        ConfigNode.Scalar s = node.asScalar(what);
        try {
            return Addresses.parse(what, s.text());
        } catch (IllegalArgumentException e) {
            throw node.error(what + ": " + s.shown() + " (expected: an IP address literal such as 192.168.100.2)");
        }
    }

    static int port(ConfigNode node, String what) {
        int p = node.asInt(what, "a port 1-65535");
        if (p < 1 || p > 65535) {
            throw node.error(what + ": " + p + " (expected: 1-65535)");
        }
        return p;
    }

    /**
     * The secret file must exist, be readable by its owner only and hold enough bytes now, so a bad file stops the
     * start, not the first push. Read by {@link SecretFile}, as the pair reads it at start.
     */
    static Path secretFile(ConfigNode node, String what) {
        Path path = path(node, what);
        byte[] secret;
        try {
            secret = SecretFile.read(what, path);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw node.error(e.getMessage());
        }
        int length = secret.length;
        Arrays.fill(secret, (byte) 0);
        if (length < HaConfig.MIN_SECRET_BYTES) {
            throw node.error(what + ": " + path + " holds " + length + " byte" + (length == 1 ? "" : "s")
                    + " (expected: at least " + HaConfig.MIN_SECRET_BYTES + " bytes, e.g. from `head -c 32"
                    + " /dev/urandom | base64`)");
        }
        return path;
    }
}
