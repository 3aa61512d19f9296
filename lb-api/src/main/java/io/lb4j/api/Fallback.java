package io.lb4j.api;

import io.lb4j.api.internal.Addresses;
import io.lb4j.api.internal.Checks;

import java.net.InetAddress;
import java.util.Objects;

/**
 * The fallback server of a virtual service: the secondary cluster in the appliance guide. It takes every new
 * connection while no real server can, and has no health check of its own, as on the appliance.
 *
 * @param address    IPv4 or IPv6 address
 * @param port       1-65535, or 0 (the default) for the port the client connected to
 * @param masquerade whether the engine NATs to the fallback (LVS MASQ) instead of using the service's method;
 *                   needed when the fallback is not configured for direct routing
 */
public record Fallback(InetAddress address, int port, boolean masquerade) {

    /** Validates the fields. */
    public Fallback {
        Objects.requireNonNull(address, "fallback.address");
        Checks.inRange("fallback.port", port, 0, 65535);
    }

    /** A builder for a fallback at the given IP literal. */
    public static Builder builder(String address) {
        return new Builder(Addresses.parse("fallback.address", address));
    }

    /** A builder for a fallback at the given address. */
    public static Builder builder(InetAddress address) {
        return new Builder(address);
    }

    /** The port to connect to for a client that connected to {@code vipPort}. */
    public int targetPort(int vipPort) {
        return port == 0 ? vipPort : port;
    }

    /** Fluent builder; values are checked in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final InetAddress address;
        private int port;
        private boolean masquerade;

        Builder(InetAddress address) {
            this.address = Objects.requireNonNull(address, "fallback.address");
        }

        /** The fallback's port, or 0 (the default) for the port the client connected to. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** NAT to the fallback (LVS MASQ); default false. */
        public Builder masquerade(boolean masquerade) {
            this.masquerade = masquerade;
            return this;
        }

        /** @throws IllegalArgumentException naming the field when a value is out of range */
        public Fallback build() {
            return new Fallback(address, port, masquerade);
        }
    }
}
