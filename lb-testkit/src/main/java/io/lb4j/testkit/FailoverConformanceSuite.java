package io.lb4j.testkit;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RealServerState;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.Halted;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.Online;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.event.RealServerUp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The appliance guide's failover promises as executable scenarios, run unchanged against every engine: subclass it
 * and return the engine's {@link ConformanceEnvironment}. In the simulated environment time is virtual and every
 * failover instant is asserted to the second; socket environments scale the interval down and assert order.
 *
 * <p>The scenarios: (a) automatic failover after 10 failed all-port connect checks 30 s apart, and fail-back per
 * policy; (b) one dead port fails the whole service over; (c) manual failover with no checks, Halt and Online;
 * (d) Drain keeps existing connections, Halt expires them.
 */
public abstract class FailoverConformanceSuite {

    /** The seed's seven PACS ports: DICOM, HTTP and HTTPS, instant messaging, HL7. */
    protected static final int[] PACS_PORTS = {104, 80, 8080, 443, 8443, 5222, 1001};

    protected ConformanceEnvironment env;
    private Duration interval;

    /** For a subclass that names the environment in {@link #newEnvironment()}. */
    protected FailoverConformanceSuite() {
    }

    /** The environment under test; a fresh one per scenario. */
    protected abstract ConformanceEnvironment newEnvironment();

    @BeforeEach
    final void setUpEnvironment() {
        env = newEnvironment();
        interval = env.interval();
    }

    @AfterEach
    final void tearDownEnvironment() {
        if (env != null) {
            env.close();
        }
    }

    // ------------------------------------------------------------------ (a) automatic failover

    @Test
    void automaticFailoverHappensAfterTenFailedChecksAndNotBefore() {
        LoadBalancer lb = env.start(pacs(automaticCheck(), FailbackPolicy.automatic()));
        Instant t0 = env.now();
        env.failPrimary();                                           // t = 0: the primary cluster dies

        env.advance(interval.multipliedBy(8));                       // t = 4 min: 8 failures, still on the primary
        if (env.connectShowsRouteToDeadServers()) {
            assertAllPortsReach(env.primary());
        }
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").state()).isEqualTo(RealServerState.UP);
        assertThat(lb.status().service("PACS").onFallback()).isFalse();
        assertThat(env.events(FailedOver.class)).isEmpty();

        boolean failedOver = env.advanceUntil(() -> lb.status().service("PACS").onFallback(),
                interval.multipliedBy(3));                           // by t = 5 min + one interval
        assertThat(failedOver).as("failed over by 5 min + one interval").isTrue();
        assertAllPortsReach(env.secondary());                        // on the same port the client used

        FailedOver failover = single(FailedOver.class);
        RealServerDown down = single(RealServerDown.class);
        assertThat(failover.fallback()).isEqualTo(env.secondary());
        if (env.exactTime()) {
            assertThat(down.reason()).isEqualTo("timed out after 5s");
            // Checks at 0, 30, ..., 300 s; the ten failures are the attempts at 30..300 s, the last times out at 305 s.
            assertThat(Duration.between(t0, down.at())).isEqualTo(Duration.ofSeconds(305));
            assertThat(failover.at()).isEqualTo(down.at());
        }
        assertThat(Duration.between(t0, failover.at())).isGreaterThan(interval.multipliedBy(9))
                .isLessThanOrEqualTo(interval.multipliedBy(11));
    }

    @Test
    void automaticFailbackReturnsToThePrimaryAtTheFirstGoodCheck() {
        LoadBalancer lb = env.start(pacs(automaticCheck(), FailbackPolicy.automatic()));
        Instant t0 = env.now();
        env.failPrimary();
        assertThat(env.advanceUntil(() -> lb.status().service("PACS").onFallback(), interval.multipliedBy(12))).isTrue();

        env.advance(interval.dividedBy(2));                           // t = 5 min 20 s (simulated)
        env.recoverPrimary();
        assertThat(env.advanceUntil(() -> !lb.status().service("PACS").onFallback(), interval.multipliedBy(2)))
                .isTrue();                                            // next check passes, riseAfter = 1
        assertAllPortsReach(env.primary());
        FailedBack back = single(FailedBack.class);
        assertThat(back.realServers()).containsExactly("PrimaryCluster");
        assertThat(single(RealServerUp.class).at()).isEqualTo(back.at());
        if (env.exactTime()) {
            assertThat(Duration.between(t0, back.at())).isEqualTo(Duration.ofSeconds(330));
        }
    }

    @Test
    void holdDownKeepsAFlappingPrimaryFromPullingClientsBack() {
        Duration holdDown = interval.multipliedBy(20);               // 10 min in the simulated environment
        LoadBalancer lb = env.start(pacs(automaticCheck(), FailbackPolicy.holdDown(holdDown)));
        env.failPrimary();
        assertThat(env.advanceUntil(() -> lb.status().service("PACS").onFallback(), interval.multipliedBy(12))).isTrue();

        env.recoverPrimary();                                         // up at the next check ...
        assertThat(env.advanceUntil(() -> lb.status().service("PACS").realServer("PrimaryCluster").state()
                == RealServerState.UP, interval.multipliedBy(2))).isTrue();
        Instant upAt = single(RealServerUp.class).at();
        // ... but clients stay on the secondary. Half the hold-down after the primary came up, counted from its
        // RealServerUp event rather than from now: on a real clock a loaded machine may notice the UP late, and the
        // seven connects below must finish before the hold-down ends.
        Duration sinceUp = Duration.between(upAt, env.now());
        if (sinceUp.compareTo(holdDown.dividedBy(2)) < 0) {
            env.advance(holdDown.dividedBy(2).minus(sinceUp));
        }
        assertAllPortsReach(env.secondary());
        assertThat(env.events(FailedBack.class)).isEmpty();

        Duration toLastInterval = Duration.between(env.now(), upAt.plus(holdDown).minus(interval));
        if (!toLastInterval.isNegative()) {
            env.advance(toLastInterval);
        }
        assertThat(env.advanceUntil(() -> !lb.status().service("PACS").onFallback(), interval.multipliedBy(2))).isTrue();
        assertAllPortsReach(env.primary());
        if (env.exactTime()) {
            assertThat(single(FailedBack.class).at()).isEqualTo(upAt.plus(holdDown));
        }
    }

    @Test
    void manualFailbackWaitsForTheOperator() {
        LoadBalancer lb = env.start(pacs(automaticCheck(), FailbackPolicy.manual()));
        env.failPrimary();
        assertThat(env.advanceUntil(() -> lb.status().service("PACS").onFallback(), interval.multipliedBy(12))).isTrue();
        env.recoverPrimary();
        env.advance(interval.multipliedBy(4));                        // healthy again for two minutes
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").state()).isEqualTo(RealServerState.UP);
        assertAllPortsReach(env.secondary());

        lb.online("PACS", "PrimaryCluster");                          // the operator fails back
        assertAllPortsReach(env.primary());
        assertThat(single(FailedBack.class).at()).isEqualTo(single(Online.class).at());
    }

    // ------------------------------------------------------------------ (b) one dead port

    @Test
    void oneDeadPortFailsTheWholeServiceOver() {
        LoadBalancer lb = env.start(pacs(automaticCheck(), FailbackPolicy.automatic()));
        Instant t0 = env.now();
        env.failPrimaryPort(env.port(5222));                          // t = 0: instant messaging stops; the rest works

        assertThat(env.advanceUntil(() -> lb.status().service("PACS").onFallback(), interval.multipliedBy(12))).isTrue();
        assertAllPortsReach(env.secondary());                         // every port moves, not just 5222
        RealServerDown down = single(RealServerDown.class);
        assertThat(down.reason()).isEqualTo("port " + env.port(5222) + ": connection refused");
        if (env.exactTime()) {
            // Refused at once: the tenth failure is the attempt at 300 s itself.
            assertThat(Duration.between(t0, single(FailedOver.class).at())).isEqualTo(Duration.ofSeconds(300));
        }
    }

    // ------------------------------------------------------------------ (c) manual failover

    @Test
    void haltSendsTheNextConnectionToTheFallbackAndOnlineBringsItBack() {
        LoadBalancer lb = env.start(pacs(HealthCheck.none(), FailbackPolicy.automatic()));
        assertAllPortsReach(env.primary());

        lb.halt("PACS", "PrimaryCluster");                            // the operator presses Halt
        assertAllPortsReach(env.secondary());                         // the very next connection
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").state()).isEqualTo(RealServerState.HALTED);
        assertThat(single(FailedOver.class).at()).isEqualTo(single(Halted.class).at());
        assertThat(single(FailedOver.class).reason()).isEqualTo("PrimaryCluster halted");

        lb.online("PACS", "PrimaryCluster");                          // ... and Online
        assertAllPortsReach(env.primary());
        assertThat(single(FailedBack.class).at()).isEqualTo(single(Online.class).at());
    }

    @Test
    void withNoChecksADeadPrimaryStaysInServiceUntilHalted() {
        LoadBalancer lb = env.start(pacs(HealthCheck.none(), FailbackPolicy.automatic()));
        env.failPrimary();
        env.advance(interval.multipliedBy(20));
        if (env.connectShowsRouteToDeadServers()) {
            assertAllPortsReach(env.primary());                       // "No checks, always On"
        }
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").state()).isEqualTo(RealServerState.UP);
        assertThat(lb.status().service("PACS").onFallback()).isFalse();
        assertThat(env.events(FailedOver.class)).isEmpty();
    }

    // ------------------------------------------------------------------ (d) drain and halt on existing flows

    @Test
    void drainKeepsExistingConnectionsAndHaltExpiresThem() {
        LoadBalancer lb = env.start(pacs(HealthCheck.none(), FailbackPolicy.automatic()));
        HeldConnection study = env.open(env.port(104));               // a long DICOM transfer to the primary
        assertThat(study.target().getAddress().getHostAddress()).isEqualTo(env.primary());

        lb.drain("PACS", "PrimaryCluster");
        assertThat(study.isOpen()).as("drain keeps existing connections").isTrue();
        assertAllPortsReach(env.secondary());                         // new ones go to the fallback
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").activeConnections()).isEqualTo(1);

        lb.halt("PACS", "PrimaryCluster");
        assertThat(env.advanceUntil(() -> !study.isOpen(), interval)).as("halt expires existing flows").isTrue();
        assertThat(lb.status().service("PACS").realServer("PrimaryCluster").activeConnections()).isZero();
    }

    // ------------------------------------------------------------------ helpers

    /** The seed's automatic-failover check: connect to all 7 ports every 30 s, 10 failures to fail over. */
    protected HealthCheck.Builder automaticCheck() {
        return HealthCheck.connect().allPorts().interval(interval).timeout(interval.dividedBy(6)).failAfter(10)
                .riseAfter(1);
    }

    /** The seed's MergePACS service in this environment. */
    protected VirtualService pacs(HealthCheck.Builder check, FailbackPolicy failback) {
        VirtualService.Builder b = env.serviceBuilder().label("PACS");
        for (int p : PACS_PORTS) {
            b.ports(env.port(p));
        }
        return b.real("PrimaryCluster", env.primary(), r -> r.weight(100))
                .fallback(env.secondary(), f -> f.masquerade(true))
                .healthCheck(check)
                .failback(failback)
                .build();
    }

    protected void assertAllPortsReach(String address) {
        for (int p : PACS_PORTS) {
            int port = env.port(p);
            InetSocketAddress reached = env.connect(port);
            assertThat(reached.getAddress().getHostAddress()).as("port %d reaches", port).isEqualTo(address);
            assertThat(reached.getPort()).as("port %d keeps the client's port", port).isEqualTo(port);
        }
    }

    protected <E extends LbEvent> E single(Class<E> type) {
        List<E> list = env.events(type);
        assertThat(list).as("events of type %s in %s", type.getSimpleName(), env.events()).hasSize(1);
        return list.get(0);
    }
}
