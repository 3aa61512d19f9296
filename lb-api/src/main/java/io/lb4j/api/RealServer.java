package io.lb4j.api;

import io.lb4j.api.internal.Addresses;
import io.lb4j.api.internal.Checks;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One real server (RIP) behind a virtual service: the primary cluster in the appliance guide.
 *
 * <p>Immutable. {@code port} 0 means "the port the client connected to", which is the only choice for
 * {@link ForwardingMethod#DIRECT_ROUTING direct routing} and {@link ForwardingMethod#TUNNEL tunnelling}.
 * {@code weight} 0 quiesces the server (no new connections, as in LVS). {@code maxConnections} 0 means unlimited;
 * once a server holds {@code maxConnections} it takes no new ones until it falls below {@code minConnections}
 * (or below three quarters of the maximum when {@code minConnections} is 0), the LVS upper and lower thresholds.
 *
 * @param label          unique within the service, used by {@code halt}, {@code drain}, {@code online}
 * @param address        IPv4 or IPv6 address
 * @param port           1-65535, or 0 for the client's destination port
 * @param weight         0-65535
 * @param minConnections 0-65535, the lower threshold
 * @param maxConnections 0-65535, 0 = unlimited
 */
public record RealServer(String label, InetAddress address, int port, int weight, int minConnections,
                         int maxConnections) {

    /** The weight a server gets when none is given (the appliance's default). */
    public static final int DEFAULT_WEIGHT = 100;

    /** Validates every field; see the class documentation for the ranges. */
    public RealServer {
        Checks.label("realServer.label", label);
        Objects.requireNonNull(address, "realServer.address");
        Checks.inRange("realServer[" + label + "].port", port, 0, 65535);
        Checks.inRange("realServer[" + label + "].weight", weight, 0, 65535);
        Checks.inRange("realServer[" + label + "].minConnections", minConnections, 0, 65535);
        Checks.inRange("realServer[" + label + "].maxConnections", maxConnections, 0, 65535);
        if (maxConnections > 0 && minConnections > maxConnections) {
            throw new IllegalArgumentException("realServer[" + label + "].minConnections: " + minConnections
                    + " (expected: <= maxConnections " + maxConnections + ")");
        }
    }

    /** A builder for a server with the given label and IP literal. */
    public static Builder builder(String label, String address) {
        return new Builder(label, Addresses.parse("realServer.address", address));
    }

    /** A builder for a server with the given label and address. */
    public static Builder builder(String label, InetAddress address) {
        return new Builder(label, address);
    }

    /** A builder that starts from this server's values. */
    public Builder toBuilder() {
        return new Builder(label, address).port(port).weight(weight).minConnections(minConnections)
                .maxConnections(maxConnections);
    }

    /** This server with another weight; {@code this} when the weight is unchanged. */
    public RealServer withWeight(int newWeight) {
        return newWeight == weight ? this : toBuilder().weight(newWeight).build();
    }

    /** The port to connect to for a client that connected to {@code vipPort}. */
    public int targetPort(int vipPort) {
        return port == 0 ? vipPort : port;
    }

    /** Fluent builder; values are checked in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final String label;
        private final InetAddress address;
        private int port;
        private int weight = DEFAULT_WEIGHT;
        private int minConnections;
        private int maxConnections;

        Builder(String label, InetAddress address) {
            this.label = label;
            this.address = address;
        }

        /** The server's port, or 0 (the default) for the port the client connected to. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Relative share of new connections, 0-65535; default {@value RealServer#DEFAULT_WEIGHT}. */
        public Builder weight(int weight) {
            this.weight = weight;
            return this;
        }

        /** Lower connection threshold (LVS {@code l_threshold}); default 0. */
        public Builder minConnections(int minConnections) {
            this.minConnections = minConnections;
            return this;
        }

        /** Upper connection threshold (LVS {@code u_threshold}); default 0 = unlimited. */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /** @throws IllegalArgumentException naming the field when a value is out of range */
        public RealServer build() {
            return new RealServer(label, address, port, weight, minConnections, maxConnections);
        }
    }
}
