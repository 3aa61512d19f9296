package io.lb4j.engine.packet;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.api.spi.TaskClock;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The public face of the packet engine: what it claims, how it validates, how it says it cannot run. */
class PacketEngineTest {

    @Test
    void claimsDirectRoutingAndNatOnly() {
        PacketEngine engine = PacketEngine.on("eth0");
        assertThat(engine.name()).isEqualTo("packet");
        assertThat(engine.methods()).containsExactlyInAnyOrder(ForwardingMethod.DIRECT_ROUTING, ForwardingMethod.NAT);
    }

    @Test
    void builderRejectsBadValuesNamingTheField() {
        assertThatThrownBy(() -> PacketEngine.builder("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("interfaceName: \"\" (expected: 1-15 characters, e.g. eth0)");
        assertThatThrownBy(() -> PacketEngine.builder("eth0").flowCapacity(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("flowCapacity: 0 (expected: 1-268435456)");
        assertThatThrownBy(() -> PacketEngine.builder("eth0").tcpTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tcpTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> PacketEngine.builder(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("interfaceName");
    }

    @Test
    void aStaticNeighbourNeedsAUnicastMacWrittenWithColons() throws Exception {
        PacketEngine.Builder builder = PacketEngine.builder("eth0");
        InetAddress backend = InetAddress.getByName("10.0.0.110");
        String format = " (expected: six hexadecimal octets separated by colons, e.g. 02:00:00:00:00:6e)";

        assertThat(builder.neighbour(backend, "02:00:00:00:00:6E")).isSameAs(builder);
        for (String bad : new String[]{"02-00-00-00-00-6e", "2:0:0:0:0:6e", "02:00:00:00:00:6g", "02:00:00:00:00",
                "02:00:00:00:00:6e:", "０2:00:00:00:00:6e"}) {
            assertThatThrownBy(() -> builder.neighbour(backend, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("neighbour 10.0.0.110: MAC \"" + bad + "\"" + format);
        }
        for (String notUnicast : new String[]{"01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00"}) {
            assertThatThrownBy(() -> builder.neighbour(backend, notUnicast))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("neighbour 10.0.0.110: MAC \"" + notUnicast
                            + "\" (expected: a unicast MAC that is not all zeros)");
        }
        assertThat(builder.neighbour(InetAddress.getByName("2001:db8::2"), "02:00:00:00:00:6e")).as("IPv6 too")
                .isSameAs(builder);
        assertThatThrownBy(() -> builder.neighbour(backend, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("neighbour mac");
    }

    @Test
    void installBeforeStartIsAnError() {
        VirtualService s = VirtualService.directRouting().label("PACS").address("10.0.0.100").ports(104)
                .real("PrimaryCluster", "10.0.0.110").healthCheck(HealthCheck.none()).build();
        assertThatThrownBy(() -> PacketEngine.on("eth0").install(new RoutingTable(s, 1, List.of(), null, true, null)))
                .isInstanceOf(IllegalStateException.class).hasMessage("packet engine on eth0 not started");
    }

    @Test
    void statsAreZeroBeforeStart() {
        assertThat(PacketEngine.on("eth0").stats().rxFrames()).isZero();
    }

    @Test
    void availabilityIsExplainedWhenMissing() {
        if (PacketEngine.isAvailable()) {
            assertThat(PacketEngine.unavailabilityCause()).isEmpty();
        } else {
            assertThat(PacketEngine.unavailabilityCause()).get().asString()
                    .containsAnyOf("CAP_NET_RAW", "native access", "Linux-only");
            assertThatThrownBy(PacketEngine::ensureAvailability).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("packet engine unavailable: ");
        }
    }

    @Test
    void startingOnAMissingInterfaceSaysSo() {
        org.junit.jupiter.api.Assumptions.assumeTrue(PacketEngine.isAvailable(), "needs CAP_NET_RAW");
        PacketEngine engine = PacketEngine.on("lb4jt-none0");
        assertThatThrownBy(() -> engine.start(TaskClock::system))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("interface \"lb4jt-none0\" not found in this network namespace");
    }

    @Test
    void ipv6ServicesAreInstalled() {
        VirtualService v6 = VirtualService.directRouting().label("V6").address("2001:db8::1").ports(80)
                .real("r", "2001:db8::2").healthCheck(HealthCheck.none()).build();
        PacketPath path = new PacketPath(1, 1, 1500, PacketPathTest.newFlowTable(4),
                new NeighbourTable(16, 1, 1));
        path.install(new RoutingTable(v6, 1, List.of(), null, true, null));
        assertThat(path.serviceId("V6")).isNotNegative();
        assertThat(path.serviceTable().vips()).as("the fanout program's VIPs are IPv4 only").isEmpty();
    }
}
