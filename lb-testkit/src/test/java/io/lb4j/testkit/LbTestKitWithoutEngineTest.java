package io.lb4j.testkit;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * lb-testkit's own tests run without lb-engine on the class path (the kit must not depend on it): what a user who
 * forgot it sees.
 */
class LbTestKitWithoutEngineTest {

    @Test
    void startingWithoutTheControlPlaneNamesTheArtifactToAdd() {
        VirtualService pacs = VirtualService.directRouting().label("PACS").address("192.168.100.100").ports(104)
                .real("PrimaryCluster", "192.168.100.110").healthCheck(HealthCheck.none()).build();
        try (LbTestKit kit = LbTestKit.create()) {
            assertThatThrownBy(() -> kit.start(pacs)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("no lb4j control plane on the class path (expected: the io.lb4j:lb-engine artifact as"
                            + " a dependency)");
        }
    }
}
