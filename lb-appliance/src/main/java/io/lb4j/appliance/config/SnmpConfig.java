package io.lb4j.appliance.config;

import io.lb4j.config.ConfigNode;
import io.lb4j.config.ConfigNode.Mapping;
import io.lb4j.snmp.SnmpAgent;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code snmp:} section of an appliance file: the appliance serves {@code LB4J-MIB} and sends its notifications
 * through net-snmp's {@code snmpd} as an AgentX subagent ({@link SnmpAgent}).
 *
 * <pre>{@code
 * snmp:
 *   agentx: /var/agentx/master   # snmpd.conf's agentXSocket: a Unix socket path, or tcp:localhost:705
 *   enabled: true                # default true; false keeps the settings but starts no agent
 * }</pre>
 *
 * A value: a reload compares it with the running one to tell that SNMP settings changed (they take effect only after
 * a restart). Immutable.
 *
 * @param enabled whether the agent runs; default true
 * @param agentx  the master agent's socket, checked by {@link SnmpAgent.Builder#agentx}; default
 *                {@value #DEFAULT_AGENTX}
 */
public record SnmpConfig(boolean enabled, String agentx) {

    /** net-snmp's default {@code agentXSocket}, and this section's. */
    public static final String DEFAULT_AGENTX = "/var/agentx/master";

    private static final Set<String> KEYS = Set.of("agentx", "enabled");

    /** Requires the socket. */
    public SnmpConfig {
        Objects.requireNonNull(agentx, "agentx");
    }

    /** The agent these settings describe, not started (it connects to {@code snmpd} once started). */
    public SnmpAgent agent() {
        return SnmpAgent.builder().agentx(agentx).build();
    }

    /**
     * Reads the section; {@code node} is null when the file has none.
     *
     * @throws io.lb4j.config.ConfigException at the offending key or value: an unknown key (the message lists
     *                                        {@code agentx, enabled}), or a socket {@link SnmpAgent.Builder#agentx}
     *                                        refuses
     */
    static Optional<SnmpConfig> read(ConfigNode node) {
        if (node == null) {
            return Optional.empty();
        }
        Mapping m = node.asMapping("snmp");
        m.checkKeys(KEYS, "snmp");
        boolean enabled = !m.has("enabled") || m.get("enabled").asBoolean("snmp.enabled");
        String agentx = DEFAULT_AGENTX;
        if (m.has("agentx")) {
            String a = m.get("agentx").asString("snmp.agentx");
            m.get("agentx").at(() -> SnmpAgent.builder().agentx(a));
            agentx = a;
        }
        return Optional.of(new SnmpConfig(enabled, agentx));
    }
}
