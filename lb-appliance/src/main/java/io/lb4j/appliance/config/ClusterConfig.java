package io.lb4j.appliance.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The {@code cluster:} section of an appliance file: this node is one of N active balancers behind ECMP routers, and
 * announces its VIPs to them through a routing daemon beside it (lb4j never speaks BGP itself). A value, checked by
 * the loader. Services that name no scheduler use Maglev in a cluster, so every node picks the same real server for
 * a connection.
 *
 * <pre>
 * cluster:
 *   daemon: bird                     # BIRD 2, driven through its control socket
 *   socket: /run/bird/bird.ctl       # bird -s / birdc -s
 *   configFile: /etc/bird/lb4j.conf  # written by lb4j; bird.conf includes it
 *   localAs: 65001
 *   neighbours:
 *     - { address: 10.218.0.1, as: 65000 }
 *   bfd: true                        # default true: a dead node's path goes within 300 ms
 *   listen: 10.218.0.11              # this node's management address
 *   peers: [10.218.0.12, 10.218.0.13] # the other nodes' (with peers: the nodes share services and flows)
 *   primary: 10.218.0.11             # the node whose services (file, admin API) every node runs
 *   secretFile: /etc/lb4j/cluster.secret
 *   lifeline: lb4j0                  # default: the routes go through it; "none" for blackhole routes
 * </pre>
 *
 * @param daemon     the routing daemon: {@code bird}
 * @param socket     the daemon's control socket
 * @param configFile the file lb4j writes and the daemon's configuration includes
 * @param localAs    this node's AS number, 1-4294967295
 * @param neighbours the routers to announce to, at least one, each address once
 * @param bfd        whether the sessions use BFD
 * @param replication config replication and flow sync among the nodes, with {@code peers:}; empty without
 * @param lifeline    the interface the VIPs' routes go through, which this process holds and the kernel deletes
 *                    when it ends, so the daemon withdraws them when the balancer dies and the daemon does not
 *                    (io.lb4j.linux.Lifeline); empty for routes that only a withdrawal or the daemon's death removes
 */
public record ClusterConfig(String daemon, Path socket, Path configFile, long localAs, List<Neighbour> neighbours,
                            boolean bfd, Optional<Replication> replication, Optional<String> lifeline) {

    /** The lifeline's name unless the file says otherwise. */
    public static final String DEFAULT_LIFELINE = "lb4j0";

    /** A node that shares nothing with the others but the routers, with the default lifeline. */
    public ClusterConfig(String daemon, Path socket, Path configFile, long localAs, List<Neighbour> neighbours,
                         boolean bfd) {
        this(daemon, socket, configFile, localAs, neighbours, bfd, Optional.empty(), Optional.of(DEFAULT_LIFELINE));
    }

    /**
     * What the nodes of a cluster share besides the routers: the services of one node, the {@code primary}
     * (its publisher pushes them to every other node's receiver, as {@code ha:}'s primary does to its secondary),
     * and every node's flows (flow sync to every other node, packet engine only), so a flow that ECMP moves
     * reaches the same real server. The same channels, ports and secret file as {@code ha:}.
     *
     * @param listen          this node's management address
     * @param peers           the other nodes' management addresses, at least one, each once, not {@code listen}
     * @param primary         {@code listen} or one of {@code peers}: the node whose services every node runs
     * @param replicationPort TCP port the receivers listen on
     * @param flowSyncPort    TCP port of flow sync on every node; present exactly when the engine is {@code packet}
     * @param secretFile      the file holding the shared secret (at least 16 bytes)
     * @param stateDirectory  where the primary keeps its replication epoch
     */
    public record Replication(InetAddress listen, List<InetAddress> peers, InetAddress primary,
                              int replicationPort, OptionalInt flowSyncPort, Path secretFile, Path stateDirectory) {

        /** Requires every field and copies the list. */
        public Replication {
            Objects.requireNonNull(listen, "listen");
            peers = List.copyOf(peers);
            Objects.requireNonNull(primary, "primary");
            Objects.requireNonNull(flowSyncPort, "flowSyncPort");
            Objects.requireNonNull(secretFile, "secretFile");
            Objects.requireNonNull(stateDirectory, "stateDirectory");
        }

        /** Whether this node publishes its services to the others. */
        public boolean isPrimary() {
            return primary.equals(listen);
        }

        /** Where this node's config receiver listens (not on the primary). */
        public InetSocketAddress replicationListen() {
            return new InetSocketAddress(listen, replicationPort);
        }

        /** Where the primary's publisher connects: every other node's receiver. */
        public List<InetSocketAddress> replicationPeers() {
            return peers.stream().map(p -> new InetSocketAddress(p, replicationPort)).toList();
        }

        /** Where this node's flow sync listens; only with the packet engine. */
        public InetSocketAddress flowSyncListen() {
            return new InetSocketAddress(listen, flowSyncPort.orElseThrow());
        }

        /** Where this node's flow changes go: every other node; only with the packet engine. */
        public List<InetSocketAddress> flowSyncPeers() {
            int port = flowSyncPort.orElseThrow();
            return peers.stream().map(p -> new InetSocketAddress(p, port)).toList();
        }

        /**
         * The shared secret, as {@link HaConfig#readSecret()} reads it; the caller overwrites the array once the
         * channels have it.
         */
        public byte[] readSecret() {
            return HaConfig.readSecret("cluster.secretFile", secretFile);
        }
    }

    /** A router this node announces to over BGP. */
    public record Neighbour(InetAddress address, long as) {
        /** Requires the address. */
        public Neighbour {
            Objects.requireNonNull(address, "address");
        }
    }

    /** Copies the list. */
    public ClusterConfig {
        Objects.requireNonNull(daemon, "daemon");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(configFile, "configFile");
        neighbours = List.copyOf(neighbours);
        Objects.requireNonNull(replication, "replication");
        Objects.requireNonNull(lifeline, "lifeline");
    }
}
