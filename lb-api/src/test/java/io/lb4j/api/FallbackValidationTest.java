package io.lb4j.api;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every rule a {@link Fallback} checks on its own; the rules that involve the service are in
 * {@link VirtualServiceValidationTest}. */
class FallbackValidationTest {

    @Test
    void defaultsToTheClientsPortWithoutMasquerade() throws Exception {
        Fallback f = Fallback.builder("192.168.100.120").build();
        assertThat(f).isEqualTo(new Fallback(InetAddress.getByName("192.168.100.120"), 0, false));
        assertThat(f.targetPort(5222)).isEqualTo(5222);
        assertThat(Fallback.builder("192.168.100.120").port(80).build().targetPort(5222)).isEqualTo(80);
    }

    @Test
    void rejectsAMissingAddress() {
        assertThatThrownBy(() -> Fallback.builder((InetAddress) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("fallback.address");
        assertThatThrownBy(() -> new Fallback(null, 0, false)).isInstanceOf(NullPointerException.class)
                .hasMessage("fallback.address");
    }

    @Test
    void rejectsABadAddressLiteral() {
        assertThatThrownBy(() -> Fallback.builder("1.2.3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.address: \"1.2.3\" (expected: an IPv4 or IPv6 address literal)");
    }

    @Test
    void rejectsAPortAbove65535() {
        assertThatThrownBy(() -> Fallback.builder("10.0.0.1").port(65536).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.port: 65536 (expected: 0-65535)");
    }

    @Test
    void rejectsANegativePort() {
        assertThatThrownBy(() -> Fallback.builder("10.0.0.1").port(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.port: -1 (expected: 0-65535)");
    }
}
