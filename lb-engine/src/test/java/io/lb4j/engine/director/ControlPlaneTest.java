package io.lb4j.engine.director;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RealServerState;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.event.RealServerUp;
import io.lb4j.api.event.Reconfigured;
import io.lb4j.api.event.Subscription;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.EngineContext;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.api.status.ServiceStatus;
import io.lb4j.testkit.LbTestKit;
import io.lb4j.testkit.SimulatedConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The control plane through the public API, in virtual time. */
class ControlPlaneTest {

    private final LbTestKit kit = LbTestKit.create();

    @AfterEach
    void stop() {
        kit.close();
    }

    private static VirtualService.Builder web() {
        return VirtualService.directRouting().label("WEB").address("10.0.0.1").ports(80, 443)
                .real("A", "10.0.0.11").real("B", "10.0.0.12").fallback("10.0.0.99")
                .healthCheck(HealthCheck.none());
    }

    private String connectTo(int port) {
        return kit.connect(port).getAddress().getHostAddress();
    }

    @Test
    void statusShowsEveryServiceServerStateAndConnectionCount() {
        LoadBalancer lb = kit.start(web().build());
        SimulatedConnection held = kit.open(80);
        lb.drain("WEB", "B");

        ServiceStatus web = lb.status().service("WEB");
        assertThat(lb.status().running()).isTrue();
        assertThat(web.ports()).containsExactly(80, 443);
        assertThat(web.method()).isEqualTo(ForwardingMethod.DIRECT_ROUTING);
        assertThat(web.onFallback()).isFalse();
        assertThat(web.realServers()).extracting(r -> r.label() + ":" + r.state())
                .containsExactly("A:UP", "B:DRAINING");
        assertThat(web.realServer(held.backendLabel()).activeConnections()).isEqualTo(1);
        assertThat(web.fallbackAddress().getHostAddress()).isEqualTo("10.0.0.99");
    }

    @Test
    void commandsNameWhatDoesNotExist() {
        LoadBalancer lb = kit.start(web().build());
        assertThatThrownBy(() -> lb.halt("PACS", "A")).isInstanceOf(NoSuchElementException.class)
                .hasMessage("no service \"PACS\" (have: WEB)");
        assertThatThrownBy(() -> lb.drain("WEB", "C")).isInstanceOf(NoSuchElementException.class)
                .hasMessage("service \"WEB\" has no real server \"C\" (it has: A, B)");
        assertThatThrownBy(() -> lb.status().service("PACS")).isInstanceOf(NoSuchElementException.class)
                .hasMessage("no service \"PACS\"");
    }

    @Test
    void connectingWhenNothingCanTakeTheConnectionNamesTheService() {
        LoadBalancer lb = kit.start(web().fallback((io.lb4j.api.Fallback) null).build());
        lb.halt("WEB", "A");
        lb.halt("WEB", "B");
        assertThatThrownBy(() -> kit.connect(80)).isInstanceOf(IllegalStateException.class)
                .hasMessage("service \"WEB\" port 80: no real server or fallback can take a new connection");
        assertThat(kit.events(FailedOver.class)).singleElement()
                .satisfies(e -> assertThat(e.fallback()).isEqualTo("none"));
    }

    @Test
    void haltExpiresPersistenceSoStuckClientsMoveAndOnlineDoesNotPullThemBack() {
        LoadBalancer lb = kit.start(web().persistence(Duration.ofMinutes(10)).scheduler(Scheduler.roundRobin()).build());
        String first = connectTo(80);
        assertThat(connectTo(80)).as("persistent").isEqualTo(first);
        String firstLabel = first.equals("10.0.0.11") ? "A" : "B";

        lb.halt("WEB", firstLabel);
        String moved = connectTo(80);
        assertThat(moved).isNotEqualTo(first).isNotEqualTo("10.0.0.99");

        lb.online("WEB", firstLabel);
        assertThat(connectTo(80)).as("stays with the server it moved to").isEqualTo(moved);
    }

    @Test
    void aServerAtItsConnectionLimitSpillsToTheNextThenTheFallbackUntilItDropsBelowThreeQuarters() {
        VirtualService svc = VirtualService.directRouting().label("WEB").address("10.0.0.1").ports(80)
                .real("A", "10.0.0.11", r -> r.maxConnections(4)).fallback("10.0.0.99")
                .healthCheck(HealthCheck.none()).build();
        kit.start(svc);
        List<SimulatedConnection> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(kit.open(80));
        }
        assertThat(held).allMatch(c -> c.backendLabel().equals("A"));
        assertThat(connectTo(80)).as("over the limit").isEqualTo("10.0.0.99");

        held.get(0).close();                                  // 3 of 4: not below 3/4 yet
        assertThat(connectTo(80)).isEqualTo("10.0.0.99");
        held.get(1).close();                                  // 2 of 4: below 3/4, takes connections again
        assertThat(connectTo(80)).isEqualTo("10.0.0.11");
    }

    @Test
    void weightedLeastConnectionsIsTheDefaultAndHonoursWeights() {
        VirtualService svc = VirtualService.directRouting().label("WEB").address("10.0.0.1").ports(80)
                .real("A", "10.0.0.11", r -> r.weight(200)).real("B", "10.0.0.12", r -> r.weight(100))
                .healthCheck(HealthCheck.none()).build();
        assertThat(svc.scheduler()).isEqualTo(Scheduler.weightedLeastConnections());
        kit.start(svc);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            labels.add(kit.open(80).backendLabel());
        }
        assertThat(labels.stream().filter("A"::equals).count()).isEqualTo(20);
        assertThat(labels.stream().filter("B"::equals).count()).isEqualTo(10);
    }

    @Test
    void weightZeroQuiescesAServerAndAllZeroMeansTheFallback() {
        LoadBalancer lb = kit.start(VirtualService.directRouting().label("WEB").address("10.0.0.1").ports(80)
                .real("A", "10.0.0.11", r -> r.weight(0)).fallback("10.0.0.99").healthCheck(HealthCheck.none())
                .build());
        assertThat(connectTo(80)).isEqualTo("10.0.0.99");
        assertThat(lb.status().service("WEB").onFallback()).isTrue();
        assertThat(lb.status().service("WEB").realServer("A").state()).isEqualTo(RealServerState.UP);
    }

    @Test
    void reconfigureKeepsTheStateAndConnectionsOfServersItKeeps() {
        LoadBalancer lb = kit.start(web().build());
        SimulatedConnection held = kit.open(80);
        String heldOn = held.backendLabel();
        lb.halt("WEB", heldOn.equals("A") ? "B" : "A");

        lb.reconfigure(List.of(web().real("C", "10.0.0.13").build()));  // adds C, keeps A and B

        ServiceStatus s = lb.status().service("WEB");
        assertThat(s.realServers()).extracting(r -> r.label()).containsExactly("A", "B", "C");
        assertThat(s.realServer(heldOn.equals("A") ? "B" : "A").state()).isEqualTo(RealServerState.HALTED);
        assertThat(s.realServer(heldOn).activeConnections()).isEqualTo(1);
        assertThat(held.isOpen()).isTrue();
        assertThat(kit.events(Reconfigured.class)).singleElement()
                .satisfies(e -> assertThat(e.change()).isEqualTo("changed"));
    }

    @Test
    void reconfigureAddsAndRemovesServices() {
        LoadBalancer lb = kit.start(web().build());
        VirtualService mail = VirtualService.directRouting().label("MAIL").address("10.0.0.2").ports(25)
                .real("M", "10.0.0.21").healthCheck(HealthCheck.none()).build();

        lb.reconfigure(List.of(mail));

        assertThat(lb.services()).containsExactly(mail);
        assertThat(connectTo(25)).isEqualTo("10.0.0.21");
        assertThatThrownBy(() -> kit.connect(80)).isInstanceOf(NoSuchElementException.class)
                .hasMessage("no service listens on port 80");
        assertThat(kit.events(Reconfigured.class)).extracting(e -> e.service() + " " + e.change())
                .containsExactly("WEB removed", "MAIL added");
    }

    @Test
    void anInvalidReconfigurationChangesNothing() {
        LoadBalancer lb = kit.start(web().build());
        VirtualService clash = VirtualService.directRouting().label("CLASH").address("10.0.0.1").ports(443)
                .real("X", "10.0.0.31").build();
        assertThatThrownBy(() -> lb.reconfigure(List.of(web().build(), clash)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("services[CLASH].ports: 443 (expected: a port not already used by service \"WEB\" on 10.0.0.1/TCP)");
        assertThat(lb.services()).extracting(VirtualService::label).containsExactly("WEB");
        assertThat(kit.events(Reconfigured.class)).isEmpty();
    }

    @Test
    void aServerThatWentDownNeedsRiseAfterGoodChecksToComeBack() {
        LoadBalancer lb = kit.start(VirtualService.directRouting().label("WEB").address("10.0.0.1").ports(80)
                .real("A", "10.0.0.11").fallback("10.0.0.99")
                .healthCheck(HealthCheck.connect().interval(Duration.ofSeconds(10)).timeout(Duration.ofSeconds(2))
                        .failAfter(2).riseAfter(3))
                .build());
        kit.server("10.0.0.11").fail(80);                     // t=0 after the first (good) check
        kit.advance(Duration.ofSeconds(20));                  // failures at 10 s and 20 s
        assertThat(kit.events(RealServerDown.class)).singleElement()
                .satisfies(e -> assertThat(e.at().getEpochSecond()).isEqualTo(20));
        assertThat(lb.status().service("WEB").realServer("A").lastCheck()).isEqualTo("port 80: connection refused");

        kit.server("10.0.0.11").recover();
        kit.advance(Duration.ofSeconds(20));                  // good at 30 s and 40 s: not enough
        assertThat(kit.events(RealServerUp.class)).isEmpty();
        kit.advance(Duration.ofSeconds(10));                  // third good check at 50 s
        assertThat(kit.events(RealServerUp.class)).singleElement()
                .satisfies(e -> assertThat(e.at().getEpochSecond()).isEqualTo(50));
        assertThat(lb.status().service("WEB").realServer("A").lastCheck()).isEqualTo("ok");
    }

    @Test
    void operatorStatesOutliveHealthChanges() {
        LoadBalancer lb = kit.start(VirtualService.directRouting().label("WEB").address("10.0.0.1").ports(80)
                .real("A", "10.0.0.11").fallback("10.0.0.99")
                .healthCheck(HealthCheck.connect().interval(Duration.ofSeconds(10)).failAfter(1).riseAfter(1))
                .build());
        lb.drain("WEB", "A");
        kit.server("10.0.0.11").fail(80);
        kit.advance(Duration.ofSeconds(10));
        kit.server("10.0.0.11").recover();
        kit.advance(Duration.ofSeconds(10));
        assertThat(kit.events(RealServerUp.class)).hasSize(1);
        assertThat(lb.status().service("WEB").realServer("A").state()).isEqualTo(RealServerState.DRAINING);
    }

    @Test
    void subscribersSeeEventsInOrderUntilTheyUnsubscribe() {
        LoadBalancer lb = kit.start(web().build());
        List<LbEvent> seen = new ArrayList<>();
        Subscription sub = lb.events().subscribe(seen::add);
        lb.halt("WEB", "A");
        sub.close();
        lb.halt("WEB", "B");
        assertThat(seen).extracting(e -> e.getClass().getSimpleName()).containsExactly("Halted");
        assertThat(lb.events().history()).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("Halted", "Halted", "FailedOver");
    }

    @Test
    void aServiceWhoseMethodTheEngineCannotForwardIsRefusedByName() {
        ForwardingEngine proxyOnly = new ForwardingEngine() {
            @Override public String name() { return "proxy-only"; }
            @Override public Set<ForwardingMethod> methods() { return Set.of(ForwardingMethod.PROXY); }
            @Override public void start(EngineContext context) { }
            @Override public void install(RoutingTable table) { }
            @Override public void uninstall(String service) { }
            @Override public void expire(String service, Backend backend) { }
            @Override public void stop(Duration grace) { }
        };
        assertThatThrownBy(() -> LoadBalancer.builder().engine(proxyOnly).service(web().build()).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("service \"WEB\": forwarding method direct-routing is not supported by engine"
                        + " \"proxy-only\" (supports: proxy)");
    }

    @Test
    void theDefaultEngineIsTheProxyEngine() {
        assertThatThrownBy(() -> LoadBalancer.builder().service(web().build()).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("service \"WEB\": forwarding method direct-routing is not supported by engine \"proxy\""
                        + " (supports: proxy)");
    }

    @Test
    void aStoppedBalancerCannotBeRestarted() {
        LoadBalancer lb = kit.start(web().build());
        lb.stop(Duration.ZERO);
        assertThat(lb.status().running()).isFalse();
        assertThatThrownBy(lb::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("load balancer was stopped; build a new one to start again");
    }

    @Test
    void connectUsesTheClientsPortOnTheFallback() {
        LoadBalancer lb = kit.start(web().build());
        lb.halt("WEB", "A");
        lb.halt("WEB", "B");
        assertThat(kit.connect(443)).isEqualTo(new InetSocketAddress("10.0.0.99", 443));
    }
}
