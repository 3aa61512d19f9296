package io.lb4j.appliance;

import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.internal.Addresses;
import io.lb4j.appliance.config.AdminConfig;
import io.lb4j.appliance.config.ApplianceConfig;
import io.lb4j.appliance.config.ClusterConfig;
import io.lb4j.appliance.config.HaConfig;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The sockets an appliance file makes the host listen on, checked against each other before anything binds: each
 * service's VIP ports (proxy engine only: the packet engine opens no socket for a VIP), the admin server, and on a
 * pair node the config receiver (secondary) and flow sync (packet engine). Two of them on one address, port and
 * protocol would stop a start half-way with a bare "address already in use"; this names both, so {@code --check}
 * says it too. A wildcard address ({@code 0.0.0.0}, {@code ::}) clashes with every address on its port. Services
 * among themselves are {@code LoadBalancer.Builder.validateServices}'s to check. Thread-safe: no state.
 */
final class Listeners {

    private record Listener(String key, String owner, InetAddress address, int port, Protocol protocol) {

        boolean clashes(Listener other) {
            return port == other.port && protocol == other.protocol && (address.equals(other.address)
                    || address.isAnyLocalAddress() || other.address.isAnyLocalAddress());
        }

        String where() {
            return Addresses.hostPort(address, port) + "/" + protocol;
        }
    }

    private Listeners() {
    }

    /**
     * Refuses a file two of whose listeners would share a port.
     *
     * @throws IllegalArgumentException {@code KEY: PORT (expected: ...; OWNER listens on ADDRESS:PORT/PROTOCOL)}
     *                                  naming the appliance's own listener and what it clashes with
     */
    static void checkNoClash(ApplianceConfig config) {
        List<Listener> taken = new ArrayList<>();
        if (config.engine().type().equals("proxy")) {
            for (VirtualService s : config.services()) {
                for (int port : s.ports()) {
                    taken.add(new Listener("services[" + s.label() + "].ports", "service \"" + s.label() + "\"",
                            s.address(), port, s.protocol()));
                }
            }
        }
        for (Listener own : own(config)) {
            for (Listener other : taken) {
                if (own.clashes(other)) {
                    throw new IllegalArgumentException(own.key() + ": " + own.port() + " (expected: a port no other"
                            + " part of the appliance listens on; " + other.owner() + " listens on " + other.where()
                            + ")");
                }
            }
            taken.add(own);
        }
    }

    /** The appliance's own listeners, in the file's order of sections. */
    private static List<Listener> own(ApplianceConfig config) {
        List<Listener> own = new ArrayList<>();
        if (config.admin().isPresent()) {
            AdminConfig admin = config.admin().get();
            if (admin.port() != 0) { // 0 = any free port: never a clash
                own.add(new Listener("admin.port", "the admin server", address(admin.address()), admin.port(),
                        Protocol.TCP));
            }
        }
        if (config.ha().isPresent()) {
            HaConfig ha = config.ha().get();
            if (ha.role() == HaConfig.Role.SECONDARY) {
                own.add(new Listener("ha.replicationPort", "the config receiver", ha.listen(), ha.replicationPort(),
                        Protocol.TCP));
            }
            if (ha.flowSyncPort().isPresent()) {
                own.add(new Listener("ha.flowSyncPort", "flow sync", ha.listen(), ha.flowSyncPort().getAsInt(),
                        Protocol.TCP));
            }
        }
        config.cluster().flatMap(ClusterConfig::replication).ifPresent(shared -> {
            if (!shared.isPrimary()) {
                own.add(new Listener("cluster.replicationPort", "the config receiver", shared.listen(),
                        shared.replicationPort(), Protocol.TCP));
            }
            if (shared.flowSyncPort().isPresent()) {
                own.add(new Listener("cluster.flowSyncPort", "flow sync", shared.listen(),
                        shared.flowSyncPort().getAsInt(), Protocol.TCP));
            }
        });
        return own;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.ofLiteral(literal); // the loader accepted only IP literals
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("admin.address: " + literal + " (expected: an IP literal)", e);
        }
    }
}
