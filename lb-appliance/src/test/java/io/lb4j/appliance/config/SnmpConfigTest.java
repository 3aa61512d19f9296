package io.lb4j.appliance.config;

import io.lb4j.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code snmp:} section: defaults, one test per rule with its message and location. */
class SnmpConfigTest {

    private static final String SERVICES = """
            services:
              - label: ECHO
                address: 127.0.0.1
                ports: [18080]
                healthCheck: none
                realServers: [ { label: m, address: 127.0.0.1, port: 18081 } ]
            """;

    private static ApplianceConfig parse(String snmp) {
        return ConfigLoader.parse(SERVICES + snmp, "lb.yaml");
    }

    @Test
    void aFileWithoutSnmpHasNoAgent() {
        assertThat(ConfigLoader.parse(SERVICES, "lb.yaml").snmp()).isEmpty();
    }

    @Test
    void anEmptySectionMeansNetSnmpsDefaultSocketEnabled() {
        assertThat(parse("snmp: {}\n").snmp()).hasValue(new SnmpConfig(true, "/var/agentx/master"));
    }

    @Test
    void agentxAndEnabledAreRead() {
        assertThat(parse("snmp: { agentx: 'tcp:localhost:705', enabled: false }\n").snmp())
                .isEqualTo(Optional.of(new SnmpConfig(false, "tcp:localhost:705")));
        assertThat(new SnmpConfig(true, "tcp:localhost:705").agent().agentx()).isEqualTo("tcp:localhost:705");
    }

    @Test
    void anUnknownKeyIsRefusedListingTheKnownOnes() {
        assertThatThrownBy(() -> parse("snmp:\n  community: public\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("lb.yaml:8:3: unknown key \"community\" in snmp (expected one of: agentx, enabled)");
    }

    @Test
    void aSocketTheAgentRefusesIsRefusedAtItsValue() {
        assertThatThrownBy(() -> parse("snmp:\n  agentx: 'udp:localhost:705'\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("lb.yaml:8:11: agentx: \"udp:localhost:705\" (expected: a Unix socket path such as"
                        + " /var/agentx/master or unix:/var/agentx/master, or tcp:host:port such as tcp:localhost:705)");
    }

    @Test
    void enabledMustBeABoolean() {
        assertThatThrownBy(() -> parse("snmp:\n  enabled: sometimes\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("lb.yaml:8:12: snmp.enabled: ");
    }
}
