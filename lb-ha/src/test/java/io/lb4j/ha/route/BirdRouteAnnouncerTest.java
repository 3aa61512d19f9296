package io.lb4j.ha.route;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link BirdRouteAnnouncer} without BIRD: the file it writes, what it says when BIRD is not there, and one test per
 * builder rule. Against real BIRD daemons: {@code BirdRouteAnnouncerNamespaceTest}.
 */
class BirdRouteAnnouncerTest {

    private static final InetAddress ROUTER = InetAddress.ofLiteral("10.218.0.1");
    private static final InetAddress VIP = InetAddress.ofLiteral("10.218.100.100");

    @TempDir
    Path dir;

    private BirdRouteAnnouncer.Builder builder() {
        return BirdRouteAnnouncer.builder().socket(dir.resolve("bird.ctl")).configFile(dir.resolve("lb4j.conf"))
                .localAs(65001).neighbour(ROUTER, 65000);
    }

    @Test
    void writesTheVipsAsAStaticProtocolAndOneSessionPerNeighbourWithBfdWhenAsked() {
        try (BirdRouteAnnouncer a = builder().neighbour(InetAddress.ofLiteral("10.218.0.2"), 65000).bfd(true)
                .build()) {
            String text = a.render(Set.of(VIP, InetAddress.ofLiteral("10.218.100.99")));
            assertThat(text).contains("""
                    protocol static lb4j_vips {
                      ipv4;
                      route 10.218.100.100/32 blackhole;
                      route 10.218.100.99/32 blackhole;
                    }
                    protocol bfd lb4j_bfd {
                      interface "*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };
                    }
                    protocol bgp lb4j_peer1 {
                      local as 65001;
                      neighbor 10.218.0.1 as 65000;
                      bfd on;
                      ipv4 { import none; export where proto = "lb4j_vips"; };
                    }
                    protocol bgp lb4j_peer2 {
                    """);
        }
        try (BirdRouteAnnouncer a = builder().build()) {
            assertThat(a.render(Set.of())).doesNotContain("bfd").doesNotContain("route ");
        }
    }

    @Test
    void withoutBirdAChangeIsWrittenButFailedAndTheVipIsSaidSo() throws Exception {
        try (BirdRouteAnnouncer a = builder().retryInterval(Duration.ofMinutes(1)).build()) {
            assertThat(a.start()).isEqualTo(AnnouncementState.FAILED);
            assertThat(a.announce(VIP)).isEqualTo(AnnouncementState.FAILED);
            assertThat(a.state(VIP)).isEqualTo(AnnouncementState.FAILED);
            assertThat(Files.readString(dir.resolve("lb4j.conf"))).contains("route 10.218.100.100/32 blackhole;");
            // Never announced: withdrawn, whatever BIRD's state.
            assertThat(a.state(InetAddress.ofLiteral("10.218.100.1"))).isEqualTo(AnnouncementState.WITHDRAWN);
        }
    }

    @Test
    void refusesAnIpv6Vip() {
        try (BirdRouteAnnouncer a = builder().build()) {
            assertThatThrownBy(() -> a.announce(InetAddress.ofLiteral("2001:db8::100")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("vip: 2001:db8:0:0:0:0:0:100 (expected: an IPv4 address; the BIRD announcer announces"
                            + " IPv4 VIPs only)");
        }
    }

    @Test
    void refusesAnAsOutOfRange() {
        assertThatThrownBy(() -> BirdRouteAnnouncer.builder().localAs(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("localAs: 0 (expected: 1-4294967295)");
        assertThatThrownBy(() -> BirdRouteAnnouncer.builder().neighbour(ROUTER, 4294967296L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("neighbour 10.218.0.1 as: 4294967296 (expected: 1-4294967295)");
    }

    @Test
    void refusesANeighbourTwiceAndAnIpv6One() {
        assertThatThrownBy(() -> builder().neighbour(ROUTER, 65002))
                .isInstanceOf(IllegalStateException.class).hasMessage("neighbour 10.218.0.1 was already added");
        assertThatThrownBy(() -> builder().neighbour(InetAddress.ofLiteral("fe80::1"), 65000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("neighbour: fe80:0:0:0:0:0:0:1 (expected: an IPv4 address)");
    }

    @Test
    void withALifelineTheRoutesGoThroughItsInterface() {
        try (BirdRouteAnnouncer a = builder().lifeline("lb4j0").build()) {
            assertThat(a.render(Set.of(VIP))).contains("  route 10.218.100.100/32 via \"lb4j0\";\n")
                    .doesNotContain("blackhole");
        }
        assertThatThrownBy(() -> builder().lifeline("no spaces allowed"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("lifeline: \"no spaces allowed\" (expected: an"
                        + " interface name of 1-15 letters, digits, '-', '_' or '.')");
    }

    @Test
    void refusesARetryIntervalOutOfRange() {
        assertThatThrownBy(() -> builder().retryInterval(Duration.ofMillis(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("retryInterval: PT0.005S (expected: 10 ms-1"
                        + " min)");
    }

    @Test
    void namesWhatIsMissing() {
        assertThatThrownBy(() -> BirdRouteAnnouncer.builder().localAs(65001).build())
                .isInstanceOf(IllegalStateException.class).hasMessage("a BIRD announcer needs socket, configFile,"
                        + " localAs and at least one neighbour (missing: socket, configFile, neighbour)");
    }
}
