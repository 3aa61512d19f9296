package io.lb4j.engine.director;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.Probe;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.ConnectStrategy;
import io.lb4j.testkit.SimulatedEngine;
import io.lb4j.testkit.VirtualClock;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The appliance guide's 30 s x 10 policy with the real connect strategy and real sockets: the primary cluster's seven
 * ports are loopback listeners that are closed and reopened, while the schedule runs on the virtual clock. Each
 * attempt's real connects finish in real time, so the test waits (with a deadline) for every attempt's verdict
 * before moving the clock on, and the failover instant is still exact.
 */
class RealConnectSeedTest {

    private static final int OFFSET = 23000;
    private static final int[] PACS_PORTS = {104, 80, 8080, 443, 8443, 5222, 1001};

    private final List<Integer> ports = Arrays.stream(PACS_PORTS).map(p -> p + OFFSET).boxed().toList();
    private final TestServer primary = TestServer.start(InetAddress.ofLiteral("127.0.0.2"), ports, Handler.hold());
    private final VirtualClock clock = new VirtualClock();
    private final SimulatedEngine engine = new SimulatedEngine();
    private final AtomicInteger verdicts = new AtomicInteger();
    private LoadBalancer lb;

    /** The production connect strategy, counting verdicts so the test knows when an attempt has finished. */
    private final HealthCheckStrategy counted = new HealthCheckStrategy() {
        private final ConnectStrategy real = new ConnectStrategy();

        @Override
        public boolean supports(Probe probe) {
            return real.supports(probe);
        }

        @Override
        public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
            return real.check(probe, target, context).whenComplete((r, e) -> verdicts.incrementAndGet());
        }
    };

    @AfterEach
    void tearDown() {
        try {
            if (lb != null) {
                lb.stop(Duration.ZERO);
            }
        } finally {
            primary.close();
        }
    }

    @Test
    void closedPortsFailTheServiceOverAtExactlyTenIntervalsAndReopenedPortsFailItBack() {
        VirtualService.Builder b = VirtualService.directRouting().label("PACS").address("127.0.0.1");
        ports.forEach(b::ports);
        VirtualService pacs = b.real("PrimaryCluster", "127.0.0.2").fallback("127.0.0.3", f -> f.masquerade(true))
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30))
                        .timeout(Duration.ofSeconds(5)).failAfter(10).riseAfter(1))
                .build();
        // No network given: the balancer uses the real one (Netty), on the virtual clock.
        lb = LoadBalancer.builder().engine(engine).clock(clock).healthCheckStrategy(counted).service(pacs).build();
        lb.start();
        clock.runDue();
        awaitVerdicts(1);                                            // t = 0: all seven ports accept
        awaitDirector(() -> lb.status().service("PACS").realServer("PrimaryCluster").lastCheck().equals("ok"));

        primary.stopAll();                                           // t = 0: the primary cluster's services stop
        for (int attempt = 1; attempt <= 10; attempt++) {
            clock.advance(Duration.ofSeconds(30));                   // attempts at 30, 60, ..., 300 s
            awaitVerdicts(1 + attempt);
            if (attempt < 10) {
                assertThat(lb.status().service("PACS").onFallback()).as("after attempt %d", attempt).isFalse();
            }
        }
        awaitDirector(() -> lb.status().service("PACS").onFallback());  // the tenth verdict, still at t = 300 s
        FailedOver over = lb.events().history().stream().filter(FailedOver.class::isInstance)
                .map(FailedOver.class::cast).findFirst().orElseThrow();
        assertThat(over.at()).isEqualTo(Instant.EPOCH.plusSeconds(300));
        assertThat(over.reason()).matches("PrimaryCluster down: port \\d+: connection refused");
        assertThat(engine.connect(ports.get(0), InetAddress.ofLiteral("192.0.2.10")))
                .isEqualTo(new InetSocketAddress("127.0.0.3", ports.get(0)));

        ports.forEach(primary::listen);                              // the services come back
        clock.advance(Duration.ofSeconds(30));                       // the attempt at 330 s passes
        awaitVerdicts(12);
        awaitDirector(() -> !lb.status().service("PACS").onFallback());
        FailedBack back = lb.events().history().stream().filter(FailedBack.class::isInstance)
                .map(FailedBack.class::cast).findFirst().orElseThrow();
        assertThat(back.at()).isEqualTo(Instant.EPOCH.plusSeconds(330));
    }

    /** The verdict is counted just before the monitor hands it to the director: wait for the director too. */
    private static void awaitDirector(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the control plane did not take the verdict within 10 s");
            }
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
        }
    }

    private void awaitVerdicts(int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (verdicts.get() < count) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("attempt " + count + " did not finish within 10 s of real time");
            }
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
        }
    }
}
