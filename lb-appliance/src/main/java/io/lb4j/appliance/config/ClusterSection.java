package io.lb4j.appliance.config;

import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.internal.Addresses;
import io.lb4j.config.ConfigNode;
import io.lb4j.config.ConfigNode.Mapping;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads the {@code cluster:} section ({@link ClusterConfig}) and applies its one rule to the services: in a cluster a
 * service that names no {@code scheduler:} uses Maglev ({@code mh}), so every node answers a connection alike.
 */
final class ClusterSection {

    static final Set<String> KEYS = Set.of("daemon", "socket", "configFile", "localAs", "neighbours", "bfd",
            "listen", "peers", "primary", "replicationPort", "flowSyncPort", "secretFile", "stateDirectory", "lifeline");
    /** The keys that only go with {@code peers:}. */
    static final List<String> REPLICATION_KEYS = List.of("listen", "primary", "replicationPort", "flowSyncPort",
            "secretFile", "stateDirectory");
    static final Set<String> NEIGHBOUR_KEYS = Set.of("address", "as");
    static final List<String> DAEMONS = List.of("bird");

    /** The section read, and the services with the cluster's default scheduler applied. */
    record Read(Optional<ClusterConfig> cluster, List<VirtualService> services) {
    }

    private ClusterSection() {
    }

    /**
     * The section of {@code top}, if any, and {@code services} (read from {@code top}'s {@code services:}) with Maglev
     * where a service in a cluster names no scheduler.
     *
     * @throws io.lb4j.config.ConfigException naming the key, the value and what is allowed
     */
    static Read read(Mapping top, List<VirtualService> services, EngineConfig engine) {
        if (!top.has("cluster")) {
            return new Read(Optional.empty(), services);
        }
        if (top.has("ha")) {
            throw top.errorAtKey("cluster", "cluster: with ha: (expected: one of them; a node is either one of N"
                    + " active balancers behind ECMP routers or one half of an active/passive pair)");
        }
        ClusterConfig cluster = cluster(top.get("cluster"), engine);
        List<ConfigNode> items = top.get("services").asSequence("services").items();
        List<VirtualService> result = new ArrayList<>(services.size());
        for (int i = 0; i < services.size(); i++) {
            boolean named = items.get(i).asMapping("a service").has("scheduler");
            result.add(named ? services.get(i) : services.get(i).toBuilder().scheduler(Scheduler.maglev()).build());
        }
        return new Read(Optional.of(cluster), List.copyOf(result));
    }

    private static ClusterConfig cluster(ConfigNode node, EngineConfig engine) {
        Mapping m = node.asMapping("cluster");
        m.checkKeys(KEYS, "cluster");
        String daemon = m.required("daemon", "cluster").asOneOf("cluster.daemon", DAEMONS);
        Path socket = absolutePath(m.required("socket", "cluster"), "cluster.socket");
        Path configFile = absolutePath(m.required("configFile", "cluster"), "cluster.configFile");
        long localAs = as(m.required("localAs", "cluster"), "cluster.localAs");
        List<ClusterConfig.Neighbour> neighbours = new ArrayList<>();
        Set<InetAddress> seen = new HashSet<>();
        List<ConfigNode> list = m.required("neighbours", "cluster").asItems("cluster.neighbours");
        if (list.isEmpty()) {
            throw m.get("neighbours").error("cluster.neighbours: [] (expected: at least one router, e.g."
                    + " - { address: 10.218.0.1, as: 65000 })");
        }
        for (ConfigNode item : list) {
            Mapping n = item.asMapping("a neighbour");
            n.checkKeys(NEIGHBOUR_KEYS, "a neighbour");
            ConfigNode addressNode = n.required("address", "a neighbour");
            ConfigNode.Scalar text = addressNode.asScalar("cluster.neighbours.address");
            InetAddress address;
            try {
                address = Addresses.parse("cluster.neighbours.address", text.text());
            } catch (IllegalArgumentException e) {
                throw addressNode.error("cluster.neighbours.address: " + text.shown() + " (expected: an IPv4 address"
                        + " literal such as 10.218.0.1)");
            }
            if (!(address instanceof Inet4Address)) {
                throw addressNode.error("cluster.neighbours.address: " + text.shown() + " (expected: an IPv4 address;"
                        + " the BIRD announcer announces IPv4 VIPs only)");
            }
            if (!seen.add(address)) {
                throw addressNode.error("cluster.neighbours.address: " + text.shown() + " (expected: each router"
                        + " once)");
            }
            neighbours.add(new ClusterConfig.Neighbour(address, as(n.required("as", "a neighbour"),
                    "cluster.neighbours.as")));
        }
        boolean bfd = !m.has("bfd") || m.get("bfd").asBoolean("cluster.bfd");
        return new ClusterConfig(daemon, socket, configFile, localAs, neighbours, bfd, replication(m, engine),
                lifeline(m));
    }

    /** {@code lifeline:} an interface name, {@code none}, or absent for the default. */
    private static Optional<String> lifeline(Mapping m) {
        if (!m.has("lifeline")) {
            return Optional.of(ClusterConfig.DEFAULT_LIFELINE);
        }
        ConfigNode.Scalar value = m.get("lifeline").asScalar("cluster.lifeline");
        if (value.text().equals("none")) {
            return Optional.empty();
        }
        if (!value.text().matches("[A-Za-z0-9._-]{1,15}")) {
            throw m.get("lifeline").error("cluster.lifeline: " + value.shown() + " (expected: an interface name of"
                    + " 1-15 letters, digits, '-', '_' or '.', or none)");
        }
        return Optional.of(value.text());
    }

    /**
     * With {@code peers:}, what the nodes share: the keys and defaults of {@code ha:}'s channels, with
     * {@code peers:} for its {@code peer:} and {@code primary:} for its {@code role:} (the same line on every node).
     */
    private static Optional<ClusterConfig.Replication> replication(Mapping m, EngineConfig engine) {
        if (!m.has("peers")) {
            for (String key : REPLICATION_KEYS) {
                if (m.has(key)) {
                    throw m.errorAtKey(key, "cluster." + key + ": without cluster.peers (expected: `peers:` with"
                            + " the other nodes' management addresses, or none of " + String.join(", ",
                            REPLICATION_KEYS) + ")");
                }
            }
            return Optional.empty();
        }
        InetAddress listen = ConfigLoader.ipLiteral(m.required("listen", "cluster"), "cluster.listen");
        List<ConfigNode> items = m.get("peers").asItems("cluster.peers");
        if (items.isEmpty()) {
            throw m.get("peers").error("cluster.peers: [] (expected: the other nodes' management addresses, e.g."
                    + " [10.218.0.12, 10.218.0.13])");
        }
        List<InetAddress> peers = new ArrayList<>();
        for (ConfigNode item : items) {
            InetAddress peer = ConfigLoader.ipLiteral(item, "cluster.peers");
            if (peer.equals(listen)) {
                throw item.error("cluster.peers: " + Addresses.text(peer) + " (expected: the other nodes' addresses;"
                        + " " + Addresses.text(peer) + " is this node's, `listen:`)");
            }
            if (peers.contains(peer)) {
                throw item.error("cluster.peers: " + Addresses.text(peer) + " (expected: each node once)");
            }
            peers.add(peer);
        }
        ConfigNode primaryNode = m.required("primary", "cluster");
        InetAddress primary = ConfigLoader.ipLiteral(primaryNode, "cluster.primary");
        if (!primary.equals(listen) && !peers.contains(primary)) {
            throw primaryNode.error("cluster.primary: " + Addresses.text(primary) + " (expected: `listen:` or one of"
                    + " `peers:`, the node whose services every node runs)");
        }
        int replicationPort = m.has("replicationPort")
                ? ConfigLoader.port(m.get("replicationPort"), "cluster.replicationPort")
                : HaConfig.DEFAULT_REPLICATION_PORT;
        OptionalInt flowSyncPort = OptionalInt.empty();
        ConfigNode flowNode = m.get("flowSyncPort");
        if (!engine.type().equals("packet")) {
            if (flowNode != null) {
                throw flowNode.error("cluster.flowSyncPort: only for engine packet (expected: no `flowSyncPort:`"
                        + " with engine " + engine.type() + "; it keeps no flow state to sync)");
            }
        } else {
            int p = flowNode == null ? HaConfig.DEFAULT_FLOW_SYNC_PORT
                    : ConfigLoader.port(flowNode, "cluster.flowSyncPort");
            if (p == replicationPort) {
                throw (flowNode != null ? flowNode : m.get("replicationPort")).error("cluster.flowSyncPort: " + p
                        + " (expected: a port other than replicationPort " + replicationPort + ")");
            }
            flowSyncPort = OptionalInt.of(p);
        }
        Path secretFile = ConfigLoader.secretFile(m.required("secretFile", "cluster"), "cluster.secretFile");
        Path stateDirectory = Path.of(HaConfig.DEFAULT_STATE_DIRECTORY);
        if (m.has("stateDirectory")) {
            stateDirectory = ConfigLoader.path(m.get("stateDirectory"), "cluster.stateDirectory");
            if (!stateDirectory.isAbsolute()) {
                throw m.get("stateDirectory").error("cluster.stateDirectory: " + stateDirectory + " (expected: an"
                        + " absolute directory, such as " + HaConfig.DEFAULT_STATE_DIRECTORY + ")");
            }
        }
        return Optional.of(new ClusterConfig.Replication(listen, peers, primary, replicationPort, flowSyncPort,
                secretFile, stateDirectory));
    }

    private static Path absolutePath(ConfigNode n, String what) {
        String text = n.asString(what);
        if (!text.startsWith("/")) {
            throw n.error(what + ": \"" + text + "\" (expected: an absolute path, such as /run/bird/bird.ctl)");
        }
        return n.at(() -> Path.of(text));
    }

    private static long as(ConfigNode n, String what) {
        ConfigNode.Scalar s = n.asScalar(what);
        long as;
        try {
            as = s.isString() ? -1 : Long.parseLong(s.text());
        } catch (NumberFormatException e) {
            as = -1;
        }
        if (as < 1 || as > 0xFFFF_FFFFL) {
            throw n.error(what + ": " + s.shown() + " (expected: an AS number 1-4294967295)");
        }
        return as;
    }
}
