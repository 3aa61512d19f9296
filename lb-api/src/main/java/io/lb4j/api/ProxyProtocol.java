package io.lb4j.api;

/**
 * What a {@link VirtualService#proxy() proxy} service sends a real server at the start of each connection, before
 * any byte of the client's, so that a real server that speaks it learns the client's address and port and the VIP
 * and port the client reached, although the connection comes from the balancer. Set with
 * {@link VirtualService.Builder#proxyProtocol(ProxyProtocol)}; the real server must expect it, since it reads the
 * header as part of the client's stream otherwise.
 *
 * <p>For a real server that does not speak the PROXY protocol (most PACS do not), see
 * {@link VirtualService.Builder#preserveClientAddress(boolean)} instead: the connection itself then comes from the
 * client's address. Both may be set.
 */
public enum ProxyProtocol {
    /** Nothing: the real server receives the client's bytes as they are (the default). */
    NONE("none"),
    /**
     * A PROXY protocol version 2 header (HAProxy's binary form, command {@code PROXY}, {@code TCP4} or {@code TCP6},
     * no TLVs) with the client's address and port as source and the VIP and port as destination.
     */
    V2("v2");

    private final String configName;

    ProxyProtocol(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration files: {@code none} or {@code v2}. */
    public String configName() {
        return configName;
    }

    /**
     * The value with the given configuration name.
     *
     * @throws IllegalArgumentException naming the allowed values when none matches
     */
    public static ProxyProtocol fromConfigName(String name) {
        for (ProxyProtocol p : values()) {
            if (p.configName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("proxyProtocol: \"" + name + "\" (expected: none, v2)");
    }
}
