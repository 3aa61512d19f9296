package io.lb4j.appliance.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

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
 * </pre>
 *
 * @param daemon     the routing daemon: {@code bird}
 * @param socket     the daemon's control socket
 * @param configFile the file lb4j writes and the daemon's configuration includes
 * @param localAs    this node's AS number, 1-4294967295
 * @param neighbours the routers to announce to, at least one, each address once
 * @param bfd        whether the sessions use BFD
 */
public record ClusterConfig(String daemon, Path socket, Path configFile, long localAs, List<Neighbour> neighbours,
                            boolean bfd) {

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
    }
}
