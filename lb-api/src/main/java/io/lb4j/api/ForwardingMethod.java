package io.lb4j.api;

/**
 * How a virtual service's packets or connections reach a real server, as the appliance guide and LVS name them.
 * An engine declares the methods it can do; starting a service on an engine that cannot forward its method fails.
 */
public enum ForwardingMethod {
    /**
     * Layer-4 direct routing (LVS "DR", "Direct Return"): only the destination MAC changes, so the real server must
     * carry the VIP on a non-ARPing interface and replies go straight to the client. Cannot remap ports.
     */
    DIRECT_ROUTING("direct-routing", false),
    /** Layer-4 NAT (LVS "MASQ"): destination address and port are rewritten and replies are un-NATed. */
    NAT("nat", true),
    /** IP-in-IP tunnelling (LVS "TUN"): the packet is encapsulated to the real server. Cannot remap ports. */
    TUNNEL("tunnel", false),
    /** A user-space TCP/UDP proxy: the balancer terminates the client's connection and opens its own. */
    PROXY("proxy", true);

    private final String configName;
    private final boolean remapsPorts;

    ForwardingMethod(String configName, boolean remapsPorts) {
        this.configName = configName;
        this.remapsPorts = remapsPorts;
    }

    /** The name used in configuration files, e.g. {@code direct-routing}. */
    public String configName() {
        return configName;
    }

    /** Whether a real server may listen on a port other than the one the client connected to. */
    public boolean remapsPorts() {
        return remapsPorts;
    }

    /**
     * The method with the given configuration name.
     *
     * @throws IllegalArgumentException naming the allowed values when none matches
     */
    public static ForwardingMethod fromConfigName(String name) {
        for (ForwardingMethod m : values()) {
            if (m.configName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("forwarding: \"" + name + "\" (expected: direct-routing, nat, tunnel, proxy)");
    }
}
