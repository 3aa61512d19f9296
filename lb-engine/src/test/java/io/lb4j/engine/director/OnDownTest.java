package io.lb4j.engine.director;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.OnDown;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.testkit.LbTestKit;
import io.lb4j.testkit.SimulatedConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code onDown}: what a server marked DOWN by its check does to its established connections, in virtual time. */
class OnDownTest {

    private final LbTestKit kit = LbTestKit.create();

    @AfterEach
    void stop() {
        kit.close();
    }

    private static VirtualService pacs(OnDown onDown) {
        return VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("A", "10.0.0.11").real("B", "10.0.0.12").fallback("10.0.0.99")
                .healthCheck(HealthCheck.connect().interval(Duration.ofSeconds(10)).failAfter(1).riseAfter(1))
                .onDown(onDown).build();
    }

    @Test
    void keepIsTheDefault() {
        assertThat(VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("A", "10.0.0.11").build().onDown()).isEqualTo(OnDown.KEEP);
    }

    @Test
    void closeExpiresTheConnectionsOfTheServerMarkedDownOnly() {
        kit.start(pacs(OnDown.CLOSE));
        SimulatedConnection first = kit.open(104);
        SimulatedConnection second = kit.open(104);
        SimulatedConnection onA = first.backendLabel().equals("A") ? first : second;
        SimulatedConnection onB = onA == first ? second : first;
        assertThat(onB.backendLabel()).isEqualTo("B");

        kit.server("10.0.0.11").fail(104);
        kit.advance(Duration.ofSeconds(10));                  // A fails its next check: DOWN

        assertThat(kit.events(RealServerDown.class)).singleElement().satisfies(e -> assertThat(e.realServer())
                .isEqualTo("A"));
        assertThat(onA.isOpen()).as("A's connection is expired with A").isFalse();
        assertThat(onB.isOpen()).as("B's connection is untouched").isTrue();
        assertThat(kit.open(104).backendLabel()).as("the client reconnects to what is left").isEqualTo("B");
    }

    @Test
    void keepLeavesTheConnectionsOfTheServerMarkedDownOpen() {
        kit.start(pacs(OnDown.KEEP));
        SimulatedConnection first = kit.open(104);
        SimulatedConnection second = kit.open(104);
        SimulatedConnection onA = first.backendLabel().equals("A") ? first : second;

        kit.server("10.0.0.11").fail(104);
        kit.advance(Duration.ofSeconds(10));

        assertThat(kit.events(RealServerDown.class)).hasSize(1);
        assertThat(onA.isOpen()).isTrue();
        assertThat(kit.balancer().status().service("PACS").realServer("A").activeConnections()).isEqualTo(1);
    }
}
