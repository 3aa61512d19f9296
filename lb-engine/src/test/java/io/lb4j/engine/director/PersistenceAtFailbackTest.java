package io.lb4j.engine.director;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Persistence at fail-back (haproxy #2729: persistent clients stayed on the backup after the primaries returned).
 * lb4j's choice: the fallback is never a persistence target, so a persistent modality that was sent to the
 * secondary cluster during an outage is back on the primary with its first connection after fail-back, while a
 * modality the primary took stays stuck to it as before. Virtual time.
 */
class PersistenceAtFailbackTest {

    private static final String MODALITY = "192.0.2.21";
    private static final String PRIMARY = "10.0.0.11";
    private static final String SECONDARY = "10.0.0.99";

    private final LbTestKit kit = LbTestKit.create();

    @AfterEach
    void stop() {
        kit.close();
    }

    private static VirtualService.Builder pacs() {
        return VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .real("Primary", PRIMARY).fallback(SECONDARY)
                .healthCheck(HealthCheck.connect().interval(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(2))
                        .failAfter(1).riseAfter(1))
                .persistence(Duration.ofMinutes(30));
    }

    private String modalityConnects() {
        return kit.connect(104, MODALITY).getAddress().getHostAddress();
    }

    @Test
    void aPersistentClientOnTheFallbackMovesBackToThePrimaryAtFailBack() {
        kit.start(pacs().build());
        assertThat(modalityConnects()).isEqualTo(PRIMARY);          // t=0: remembered on the primary

        kit.server(PRIMARY).fail(104);
        kit.advance(Duration.ofSeconds(10));                        // t=10: down, its entries expired, failed over
        assertThat(kit.events(FailedOver.class)).hasSize(1);
        assertThat(modalityConnects()).isEqualTo(SECONDARY);
        assertThat(modalityConnects()).as("within the persistence timeout").isEqualTo(SECONDARY);

        kit.server(PRIMARY).recover();
        kit.advance(Duration.ofSeconds(10));                        // t=20: up, fails back
        assertThat(kit.events(FailedBack.class)).hasSize(1);
        assertThat(modalityConnects()).as("back on the primary, 10 s into a 30 min persistence")
                .isEqualTo(PRIMARY);
        assertThat(modalityConnects()).as("and stuck to it again").isEqualTo(PRIMARY);
    }

    @Test
    void underAHoldDownThePersistentClientStaysOnTheFallbackUntilTheFailBackThenMoves() {
        kit.start(pacs().failback(FailbackPolicy.holdDown(Duration.ofMinutes(5))).build());
        kit.server(PRIMARY).fail(104);
        kit.advance(Duration.ofSeconds(10));                        // t=10: failed over
        assertThat(modalityConnects()).isEqualTo(SECONDARY);

        kit.server(PRIMARY).recover();
        kit.advance(Duration.ofSeconds(10));                        // t=20: up, held down until t=320
        assertThat(modalityConnects()).as("during the hold-down").isEqualTo(SECONDARY);
        kit.advance(Duration.ofMinutes(5));                         // t=320: fails back
        assertThat(kit.events(FailedBack.class)).singleElement()
                .satisfies(e -> assertThat(e.at().getEpochSecond()).isEqualTo(320));
        assertThat(modalityConnects()).isEqualTo(PRIMARY);
    }

    @Test
    void aClientThePrimaryTookDuringTheSlowStartRampStaysWithIt() {
        LoadBalancer lb = kit.start(pacs().slowStart(Duration.ofSeconds(20)).build());
        kit.server(PRIMARY).fail(104);
        kit.advance(Duration.ofSeconds(10));                        // t=10: failed over
        kit.server(PRIMARY).recover();
        kit.advance(Duration.ofSeconds(20));                        // t=30: failed back at 20, ramp at 50 %

        assertThat(kit.engine().table("PACS").fallbackShare()).isEqualTo(500_000);
        // The first new connection of the ramp goes to the primary (the fallback's turn is every other one)...
        assertThat(modalityConnects()).isEqualTo(PRIMARY);
        // ...and the modality stays with the primary for its next ones, although half of new clients still go to
        // the secondary.
        for (int i = 0; i < 5; i++) {
            assertThat(modalityConnects()).isEqualTo(PRIMARY);
        }
        assertThat(kit.connect(104, "192.0.2.22").getAddress().getHostAddress()).isEqualTo(SECONDARY);
        assertThat(lb.status().service("PACS").realServer("Primary").effectiveWeight()).isEqualTo(50);
    }
}
