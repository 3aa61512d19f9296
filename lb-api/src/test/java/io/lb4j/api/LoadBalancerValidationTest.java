package io.lb4j.api;

import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.EngineContext;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.api.spi.RoutingTable;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules {@link LoadBalancer.Builder} checks across services, one test each. */
class LoadBalancerValidationTest {

    private static VirtualService service(String label, String vip, int... ports) {
        return VirtualService.nat().label(label).address(vip).ports(ports).real("a", "10.9.0.2").build();
    }

    @Test
    void acceptsServicesThatShareAVipOnDifferentPorts() {
        assertThatCode(() -> LoadBalancer.Builder.validateServices(List.of(
                service("PACS", "10.9.0.1", 104, 80), service("WEB", "10.9.0.1", 443)))).doesNotThrowAnyException();
    }

    @Test
    void acceptsTheSamePortOnAnotherVipOrProtocol() {
        VirtualService tcp = service("TCP", "10.9.0.1", 514);
        VirtualService udp = tcp.toBuilder().label("UDP").protocol(Protocol.UDP).build();
        VirtualService otherVip = service("OTHER", "10.9.0.5", 514);
        assertThatCode(() -> LoadBalancer.Builder.validateServices(List.of(tcp, udp, otherVip)))
                .doesNotThrowAnyException();
    }

    @Test
    void rejectsTwoServicesWithTheSameLabel() {
        assertThatThrownBy(() -> LoadBalancer.Builder.validateServices(List.of(
                service("PACS", "10.9.0.1", 104), service("PACS", "10.9.0.3", 104))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("services: \"PACS\" (expected: unique labels; \"PACS\" is used twice)");
    }

    @Test
    void rejectsTwoServicesSharingAVipPort() {
        assertThatThrownBy(() -> LoadBalancer.Builder.validateServices(List.of(
                service("PACS", "10.9.0.1", 104, 80), service("WEB", "10.9.0.1", 443, 80))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("services[WEB].ports: 80 (expected: a port not already used by service \"PACS\" on"
                        + " 10.9.0.1/TCP)");
    }

    @Test
    void rejectsTwoServicesSharingAnIpv6VipPortWrittenDifferently() {
        assertThatThrownBy(() -> LoadBalancer.Builder.validateServices(List.of(
                service6("A", "2001:db8::1"), service6("B", "2001:0db8:0:0::1"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("services[B].ports: 80 (expected: a port not already used by service \"A\" on"
                        + " 2001:db8::1/TCP)");
    }

    @Test
    void buildChecksTheServicesBeforeLookingForAControlPlane() {
        assertThatThrownBy(() -> LoadBalancer.builder().engine(new NoEngine())
                .services(List.of(service("S", "10.9.0.1", 80), service("S", "10.9.0.3", 80))).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("services: \"S\" (expected: unique labels; \"S\" is used twice)");
    }

    @Test
    void scriptDirectoriesMustBeAbsolute() {
        assertThatThrownBy(() -> LoadBalancer.builder().scriptDirectories(Path.of("/etc/lb4j/checks"), Path.of("checks")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("scriptDirectories: checks (expected: absolute paths)");
    }

    @Test
    void scriptDirectoriesAreSetOnce() {
        assertThatThrownBy(() -> LoadBalancer.builder().scriptDirectories(Path.of("/etc/lb4j/checks/../checks"))
                .scriptDirectories(Path.of("/opt/checks")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("scriptDirectories was already set to [/etc/lb4j/checks]");
    }

    @Test
    void buildNamesTheMissingControlPlaneModule() {
        // lb-api's own tests run without lb-engine on the class path.
        assertThatThrownBy(() -> LoadBalancer.builder().engine(new NoEngine()).service(service("S", "10.9.0.1", 80))
                .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no lb4j control plane on the class path (expected: the io.lb4j:lb-engine artifact as a"
                        + " dependency)");
    }

    @Test
    void rejectsNullArgumentsNamingThem() {
        assertThatThrownBy(() -> LoadBalancer.builder().engine(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("engine");
        assertThatThrownBy(() -> LoadBalancer.builder().service(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("service");
        assertThatThrownBy(() -> LoadBalancer.builder().clock(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("clock");
    }

    @Test
    void forwardingMethodNamesTheAllowedConfigNames() {
        assertThatThrownBy(() -> ForwardingMethod.fromConfigName("dr")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("forwarding: \"dr\" (expected: direct-routing, nat, tunnel, proxy)");
    }

    private static VirtualService service6(String label, String vip) {
        return VirtualService.nat().label(label).address(vip).ports(80).real("a", "2001:db8::2").build();
    }

    /** An engine that is never started: the builder fails before it would be. */
    private static final class NoEngine implements ForwardingEngine {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public Set<ForwardingMethod> methods() {
            return Set.of();
        }

        @Override
        public void start(EngineContext context) {
        }

        @Override
        public void install(RoutingTable table) {
        }

        @Override
        public void uninstall(String service) {
        }

        @Override
        public void expire(String service, Backend backend) {
        }

        @Override
        public void stop(Duration grace) {
        }
    }
}
