package io.lb4j.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A proxy service's timeouts and caps on {@link VirtualService}: their defaults, their ranges, that each is refused
 * where it cannot apply (with the reason), and that {@link VirtualService#toBuilder()} and equality carry them.
 */
class ProxyLimitsValidationTest {

    private static VirtualService.Builder tcpProxy() {
        return VirtualService.proxy().label("PACS").address("10.0.0.1").ports(104).real("a", "10.0.0.2");
    }

    private static VirtualService.Builder udpProxy() {
        return tcpProxy().protocol(Protocol.UDP);
    }

    @Test
    void defaultsSuitDicomAssociations() {
        VirtualService s = tcpProxy().build();

        assertThat(s.clientIdleTimeout()).isEqualTo(Duration.ofMinutes(30)).isEqualTo(VirtualService.DEFAULT_IDLE_TIMEOUT);
        assertThat(s.serverIdleTimeout()).isEqualTo(Duration.ofMinutes(30));
        assertThat(s.tcpKeepAlive()).isEqualTo(new TcpKeepAlive(true, Duration.ofSeconds(60), Duration.ofSeconds(15), 4));
        assertThat(s.maxConnections()).isZero();
        assertThat(udpProxy().build().maxUdpSessions()).isEqualTo(10_000);
        // A service the settings do not apply to reports the defaults.
        VirtualService dr = VirtualService.directRouting().label("DR").address("10.0.0.1").ports(104)
                .real("a", "10.0.0.2").build();
        assertThat(dr.clientIdleTimeout()).isEqualTo(VirtualService.DEFAULT_IDLE_TIMEOUT);
        assertThat(dr.maxUdpSessions()).isEqualTo(VirtualService.DEFAULT_MAX_UDP_SESSIONS);
    }

    @Test
    void everySettingTakesItsValueAndZeroMeansNeverOrNoCap() {
        VirtualService s = tcpProxy().clientIdleTimeout(Duration.ZERO).serverIdleTimeout(Duration.ofDays(7))
                .tcpKeepAlive(TcpKeepAlive.of(Duration.ofSeconds(1), Duration.ofSeconds(32767), 127))
                .maxConnections(1_000_000).build();

        assertThat(s.clientIdleTimeout()).isZero();
        assertThat(s.serverIdleTimeout()).isEqualTo(Duration.ofDays(7));
        assertThat(s.tcpKeepAlive().idleSeconds()).isEqualTo(1);
        assertThat(s.tcpKeepAlive().intervalSeconds()).isEqualTo(32767);
        assertThat(s.tcpKeepAlive().count()).isEqualTo(127);
        assertThat(s.maxConnections()).isEqualTo(1_000_000);
        assertThat(udpProxy().maxUdpSessions(0).build().maxUdpSessions()).isZero();
    }

    @Test
    void rejectsIdleTimeoutsBelowOneSecondOrAboveSevenDays() {
        assertThatThrownBy(() -> tcpProxy().clientIdleTimeout(Duration.ofMillis(999)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("clientIdleTimeout: PT0.999S (expected: 0 (never), or 1 s-7 days)");
        assertThatThrownBy(() -> tcpProxy().serverIdleTimeout(Duration.ofDays(7).plusMillis(1)).build())
                .hasMessage("serverIdleTimeout: PT168H0.001S (expected: 0 (never), or 1 s-7 days)");
        assertThatThrownBy(() -> tcpProxy().serverIdleTimeout(Duration.ofSeconds(-1)).build())
                .hasMessage("serverIdleTimeout: PT-1S (expected: 0 (never), or 1 s-7 days)");
        assertThatThrownBy(() -> tcpProxy().clientIdleTimeout(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("clientIdleTimeout");
    }

    @Test
    void rejectsCapsOutsideTheirRange() {
        assertThatThrownBy(() -> tcpProxy().maxConnections(-1).build())
                .hasMessage("maxConnections: -1 (expected: 0-1000000)");
        assertThatThrownBy(() -> udpProxy().maxUdpSessions(1_000_001).build())
                .hasMessage("maxUdpSessions: 1000001 (expected: 0-1000000)");
    }

    @Test
    void rejectsKeepAliveTimersTheKernelCannotTake() {
        assertThatThrownBy(() -> TcpKeepAlive.of(Duration.ofMillis(1500), Duration.ofSeconds(1), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tcpKeepAlive.idle: PT1.5S (expected: whole seconds, 1 s-32767 s)");
        assertThatThrownBy(() -> TcpKeepAlive.of(Duration.ofSeconds(1), Duration.ofSeconds(32768), 1))
                .hasMessage("tcpKeepAlive.interval: PT9H6M8S (expected: whole seconds, 1 s-32767 s)");
        assertThatThrownBy(() -> TcpKeepAlive.of(Duration.ofSeconds(1), Duration.ZERO, 1))
                .hasMessage("tcpKeepAlive.interval: PT0S (expected: whole seconds, 1 s-32767 s)");
        assertThatThrownBy(() -> TcpKeepAlive.of(Duration.ofSeconds(1), Duration.ofSeconds(1), 128))
                .hasMessage("tcpKeepAlive.count: 128 (expected: 1-127)");
        assertThatThrownBy(() -> TcpKeepAlive.of(null, Duration.ofSeconds(1), 1))
                .isInstanceOf(NullPointerException.class).hasMessage("tcpKeepAlive.idle");
    }

    @Test
    void aDisabledKeepAliveIsOffWhateverItsTimersSaid() {
        assertThat(new TcpKeepAlive(false, Duration.ofSeconds(5), Duration.ofSeconds(5), 2))
                .isEqualTo(TcpKeepAlive.off());
        assertThat(TcpKeepAlive.off().enabled()).isFalse();
    }

    @Test
    void refusesEachSettingOnAServiceOfAnotherMethodNamingTheMethod() {
        VirtualService.Builder nat = VirtualService.nat().label("N").address("10.0.0.1").ports(104)
                .real("a", "10.0.0.2");

        assertThatThrownBy(() -> nat.clientIdleTimeout(Duration.ofMinutes(5)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("clientIdleTimeout: PT5M (expected: unset: only proxy services have it, and this one is"
                        + " nat)");
        assertThatThrownBy(() -> VirtualService.directRouting().label("D").address("10.0.0.1").ports(104)
                .real("a", "10.0.0.2").maxConnections(10).build())
                .hasMessage("maxConnections: 10 (expected: unset: only proxy services have it, and this one is"
                        + " direct-routing)");
    }

    @Test
    void refusesTcpSettingsOnUdpAndTheUdpCapOnTcp() {
        assertThatThrownBy(() -> udpProxy().tcpKeepAlive(TcpKeepAlive.off()).build())
                .hasMessageStartingWith("tcpKeepAlive: TcpKeepAlive[enabled=false")
                .hasMessageEndingWith("(expected: unset: only TCP services have it, and this one is UDP; UDP sessions"
                        + " end after the engine's udpIdleTimeout and maxUdpSessions caps them)");
        assertThatThrownBy(() -> udpProxy().serverIdleTimeout(Duration.ofMinutes(1)).build())
                .hasMessageStartingWith("serverIdleTimeout: PT1M (expected: unset: only TCP services have it");
        assertThatThrownBy(() -> tcpProxy().maxUdpSessions(5).build())
                .hasMessage("maxUdpSessions: 5 (expected: unset: only UDP services have it, and this one is TCP;"
                        + " maxConnections caps TCP connections)");
    }

    @Test
    void toBuilderCarriesTheSettingsAndEqualityComparesThem() {
        VirtualService tcp = tcpProxy().clientIdleTimeout(Duration.ofMinutes(2)).serverIdleTimeout(Duration.ZERO)
                .tcpKeepAlive(TcpKeepAlive.off()).maxConnections(3).build();
        VirtualService udp = udpProxy().maxUdpSessions(7).build();

        assertThat(tcp.toBuilder().build()).isEqualTo(tcp).hasSameHashCodeAs(tcp);
        assertThat(udp.toBuilder().build()).isEqualTo(udp).hasSameHashCodeAs(udp);
        assertThat(tcp.toBuilder().maxConnections(4).build()).isNotEqualTo(tcp);
        assertThat(tcp.toBuilder().clientIdleTimeout(Duration.ofMinutes(3)).build()).isNotEqualTo(tcp);
        assertThat(udp.toBuilder().maxUdpSessions(8).build()).isNotEqualTo(udp);
        // Defaults are not carried as if set: a UDP service with defaults becomes a TCP one without complaint.
        assertThat(udpProxy().build().toBuilder().protocol(Protocol.TCP).build()).isEqualTo(tcpProxy().build());
    }
}
