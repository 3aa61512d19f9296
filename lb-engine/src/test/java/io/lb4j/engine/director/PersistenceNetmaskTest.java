package io.lb4j.engine.director;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code persistenceNetmask}: clients of one prefix share a persistence entry, IPv4 and IPv6. Virtual time. */
class PersistenceNetmaskTest {

    private final LbTestKit kit = LbTestKit.create();

    @AfterEach
    void stop() {
        kit.close();
    }

    private static VirtualService.Builder v4() {
        return VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("A", "10.0.0.11").real("B", "10.0.0.12").scheduler(Scheduler.roundRobin())
                .healthCheck(HealthCheck.none()).persistence(Duration.ofMinutes(10));
    }

    private static VirtualService.Builder v6() {
        return VirtualService.directRouting().label("PACS").address("fd00::1").ports(104)
                .real("A", "fd00::11").real("B", "fd00::12").scheduler(Scheduler.roundRobin())
                .healthCheck(HealthCheck.none()).persistence(Duration.ofMinutes(10));
    }

    private String from(String client) {
        return kit.connect(104, client).getAddress().getHostAddress();
    }

    @Test
    void ipv4ClientsOfOnePrefixShareAnEntryAndOthersAreBalanced() {
        kit.start(v4().persistenceNetmask(24).build());
        String first = from("192.0.2.10");
        assertThat(from("192.0.2.77")).as("same /24").isEqualTo(first);
        assertThat(from("192.0.2.254")).isEqualTo(first);
        assertThat(from("192.0.3.10")).as("another /24: the scheduler's next").isNotEqualTo(first);
        assertThat(from("192.0.2.1")).isEqualTo(first);
    }

    @Test
    void withoutANetmaskEachAddressIsItsOwnClient() {
        VirtualService svc = v4().build();
        assertThat(svc.persistenceNetmask()).isEqualTo(32);
        kit.start(svc);
        assertThat(from("192.0.2.10")).isNotEqualTo(from("192.0.2.77"));
    }

    @Test
    void ipv6ClientsOfOnePrefixShareAnEntry_alsoWhenThePrefixEndsInTheLowHalf() {
        kit.start(v6().persistenceNetmask(72).build());
        String first = from("2001:db8:1:2:ff00::10");
        assertThat(from("2001:db8:1:2:ff99:1:2:3")).as("same /72").isEqualTo(first);
        assertThat(from("2001:db8:1:2:fe00::10")).as("bit 71 differs").isNotEqualTo(first);
        assertThat(from("2001:db8:1:2:ffff::1")).isEqualTo(first);
    }

    @Test
    void theAllocationFreeKeysAgreeWithTheAddressKeys() {
        RoutingTable v4 = new RoutingTable(v4().persistenceNetmask(20).build(), 1, List.of(), null, true, null);
        assertThat(v4.clientKeyForIpv4(0xC0000FFF)).isEqualTo(v4.clientKeyFor(InetAddress.ofLiteral("192.0.0.1")))
                .isNotEqualTo(v4.clientKeyFor(InetAddress.ofLiteral("192.0.16.1")));
        RoutingTable v6 = new RoutingTable(v6().persistenceNetmask(48).build(), 1, List.of(), null, true, null);
        assertThat(v6.clientKeyForIpv6(0x20010db800010000L, 0)).isEqualTo(
                v6.clientKeyFor(InetAddress.ofLiteral("2001:db8:1:ffff::1")));
        RoutingTable all = new RoutingTable(v4().persistenceNetmask(0).build(), 1, List.of(), null, true, null);
        assertThat(all.clientKeyFor(InetAddress.ofLiteral("203.0.113.9")))
                .isEqualTo(all.clientKeyFor(InetAddress.ofLiteral("10.9.8.7")));
    }

    @Test
    void theNetmaskFitsTheVipsFamilyAndNeedsPersistence() {
        assertThatThrownBy(() -> v4().persistenceNetmask(33).build()).hasMessage("persistenceNetmask: 33 (expected: 0-32)");
        assertThatThrownBy(() -> v6().persistenceNetmask(129).build())
                .hasMessage("persistenceNetmask: 129 (expected: 0-128)");
        assertThat(v6().persistenceNetmask(128).build().persistenceNetmask()).isEqualTo(128);
        assertThatThrownBy(() -> v4().persistence(Duration.ZERO).persistenceNetmask(24).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("persistenceNetmask: 24 (expected: unset without persistence: it groups clients into"
                        + " persistence entries)");
        assertThat(v4().persistenceNetmask(16).build().toBuilder().build().persistenceNetmask()).isEqualTo(16);
    }
}
