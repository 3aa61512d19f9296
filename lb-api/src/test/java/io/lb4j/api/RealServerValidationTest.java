package io.lb4j.api;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every rule a {@link RealServer} checks, one test each, and its derivations. */
class RealServerValidationTest {

    private static RealServer.Builder primary() {
        return RealServer.builder("PrimaryCluster", "192.168.100.110");
    }

    @Test
    void defaultsToTheClientsPortWeight100AndNoLimits() throws Exception {
        RealServer r = primary().build();
        assertThat(r).isEqualTo(new RealServer("PrimaryCluster", InetAddress.getByName("192.168.100.110"), 0,
                RealServer.DEFAULT_WEIGHT, 0, 0));
        assertThat(r.weight()).isEqualTo(100);
        assertThat(r.targetPort(104)).isEqualTo(104);
        assertThat(primary().port(11112).build().targetPort(104)).isEqualTo(11112);
    }

    @Test
    void toBuilderBuildsAnEqualServer() {
        RealServer r = primary().port(8080).weight(7).minConnections(10).maxConnections(20).build();
        assertThat(r.toBuilder().build()).isEqualTo(r).isNotSameAs(r);
    }

    @Test
    void withWeightReturnsThisWhenTheWeightIsUnchanged() {
        RealServer r = primary().weight(50).build();
        assertThat(r.withWeight(50)).isSameAs(r);
    }

    @Test
    void withWeightReturnsACopyWithOnlyTheWeightChanged() {
        RealServer r = primary().port(8080).weight(50).maxConnections(9).build();
        assertThat(r.withWeight(0)).isEqualTo(primary().port(8080).weight(0).maxConnections(9).build());
        assertThat(r.weight()).isEqualTo(50);
    }

    @Test
    void withWeightValidatesTheNewWeight() {
        assertThatThrownBy(() -> primary().build().withWeight(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[PrimaryCluster].weight: -1 (expected: 0-65535)");
    }

    @Test
    void acceptsTheBoundsOfEveryRange() {
        RealServer r = primary().port(65535).weight(65535).minConnections(65535).maxConnections(65535).build();
        assertThat(r.maxConnections()).isEqualTo(65535);
        assertThat(primary().weight(0).build().weight()).isZero();
    }

    @Test
    void acceptsAMinimumWithoutAMaximum() {
        // maxConnections 0 means unlimited, so there is no upper threshold for the lower one to exceed.
        assertThat(primary().minConnections(10).build().minConnections()).isEqualTo(10);
    }

    @Test
    void rejectsAMissingLabel() {
        assertThatThrownBy(() -> RealServer.builder(null, "10.0.0.1").build())
                .isInstanceOf(NullPointerException.class).hasMessage("realServer.label");
    }

    @Test
    void rejectsABlankLabel() {
        assertThatThrownBy(() -> RealServer.builder("  ", "10.0.0.1").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer.label: \"  \" (expected: a non-blank label)");
    }

    @Test
    void rejectsAMissingAddress() {
        assertThatThrownBy(() -> RealServer.builder("a", (InetAddress) null).build())
                .isInstanceOf(NullPointerException.class).hasMessage("realServer.address");
        assertThatThrownBy(() -> RealServer.builder("a", (String) null))
                .isInstanceOf(NullPointerException.class).hasMessage("realServer.address");
    }

    @Test
    void rejectsABadAddressLiteral() {
        assertThatThrownBy(() -> RealServer.builder("a", "10.0.0.300"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer.address: \"10.0.0.300\" (expected: an IPv4 or IPv6 address literal)");
    }

    @Test
    void rejectsAPortAbove65535() {
        assertThatThrownBy(() -> primary().port(65536).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[PrimaryCluster].port: 65536 (expected: 0-65535)");
    }

    @Test
    void rejectsANegativePort() {
        assertThatThrownBy(() -> primary().port(-1).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[PrimaryCluster].port: -1 (expected: 0-65535)");
    }

    @Test
    void rejectsAWeightAbove65535() {
        assertThatThrownBy(() -> primary().weight(65536).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[PrimaryCluster].weight: 65536 (expected: 0-65535)");
    }

    @Test
    void rejectsANegativeWeight() {
        assertThatThrownBy(() -> primary().weight(-1).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[PrimaryCluster].weight: -1 (expected: 0-65535)");
    }

    @Test
    void rejectsAnOutOfRangeMinimum() {
        assertThatThrownBy(() -> primary().minConnections(-1).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[PrimaryCluster].minConnections: -1 (expected: 0-65535)");
    }

    @Test
    void rejectsAnOutOfRangeMaximum() {
        assertThatThrownBy(() -> primary().maxConnections(65536).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[PrimaryCluster].maxConnections: 65536 (expected: 0-65535)");
    }

    @Test
    void rejectsAMinimumAboveTheMaximum() {
        assertThatThrownBy(() -> primary().minConnections(10).maxConnections(5).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[PrimaryCluster].minConnections: 10 (expected: <= maxConnections 5)");
    }
}
