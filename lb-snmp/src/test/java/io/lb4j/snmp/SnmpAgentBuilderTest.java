package io.lb4j.snmp;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test per rule of {@link SnmpAgent.Builder}, asserting the message. */
class SnmpAgentBuilderTest {

    @Test
    void theDefaultSocketIsNetSnmpsDefault() {
        assertThat(SnmpAgent.builder().build().agentx()).isEqualTo("/var/agentx/master");
    }

    @Test
    void agentxTakesAPathAUnixUrlOrTcpHostPort() {
        assertThat(SnmpAgent.builder().agentx("unix:/run/agentx").build().agentx()).isEqualTo("unix:/run/agentx");
        assertThat(SnmpAgent.builder().agentx("tcp:localhost:705").build().agentx()).isEqualTo("tcp:localhost:705");
        assertThat(SnmpAgent.builder().agentx("tcp:[::1]:705").build().agentx()).isEqualTo("tcp:[::1]:705");
    }

    @Test
    void agentxRefusesAnythingElse() {
        assertThatThrownBy(() -> SnmpAgent.builder().agentx("udp:localhost:705"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("agentx: \"udp:localhost:705\" (expected: a Unix socket path such as /var/agentx/master"
                        + " or unix:/var/agentx/master, or tcp:host:port such as tcp:localhost:705)");
    }

    @Test
    void agentxRefusesAPortOutOfRange() {
        assertThatThrownBy(() -> SnmpAgent.builder().agentx("tcp:localhost:70000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("agentx: \"tcp:localhost:70000\" has port \"70000\" (expected: 1-65535)");
    }

    @Test
    void agentxMayBeSetOnce() {
        assertThatThrownBy(() -> SnmpAgent.builder().agentx("/a").agentx("/b"))
                .isInstanceOf(IllegalStateException.class).hasMessage("agentx was already set to /a");
    }

    @Test
    void reconnectBackoffNeedsAPositiveMinAndAMaxNotBelowIt() {
        assertThatThrownBy(() -> SnmpAgent.builder().reconnectBackoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("reconnectBackoff min: PT0S (expected: > 0)");
        assertThatThrownBy(() -> SnmpAgent.builder().reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reconnectBackoff max: PT1S (expected: >= min PT2S)");
    }

    @Test
    void pingIntervalMustBePositive() {
        assertThatThrownBy(() -> SnmpAgent.builder().pingInterval(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pingInterval: PT-1S (expected: > 0)");
    }

    @Test
    void anAgentThatNeverStartedClosesQuietlyAndReportsNothing() {
        SnmpAgent agent = SnmpAgent.builder().build();

        agent.close();

        assertThat(agent.stats()).isEqualTo(new SnmpAgent.Stats(false, 0, 0, 0, 0, 0));
    }
}
