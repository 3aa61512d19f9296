package io.lb4j.engine.director;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.RealServerState;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.AgentProbe;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.Probe;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.healthcheck.agent.AgentReply;
import io.lb4j.testkit.LbTestKit;
import io.lb4j.testkit.SimulatedConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The feedback-agent policy in virtual time: what each agent reply (parsed by the real {@link AgentReply}) does to
 * the weight new connections are balanced by, to the state, and to established connections.
 */
class AgentWeightTest {

    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final LbTestKit kit = LbTestKit.create();
    /** What each real server's agent answers now; absent: it does not answer (the attempt times out). */
    private final Map<String, String> replies = new ConcurrentHashMap<>();

    /** The agents of the two real servers, each answering its current line at once. */
    private final HealthCheckStrategy agents = new HealthCheckStrategy() {
        @Override
        public boolean supports(Probe probe) {
            return probe instanceof AgentProbe;
        }

        @Override
        public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
            String reply = replies.get(target.realServer());
            return reply == null ? new CompletableFuture<>()
                    : CompletableFuture.completedFuture(AgentReply.parse(reply).orElseThrow());
        }
    };

    @AfterEach
    void stop() {
        kit.close();
    }

    private LoadBalancer start() {
        replies.put("A", "up");
        replies.put("B", "up");
        VirtualService pacs = VirtualService.directRouting().label("PACS").address("10.0.0.1").ports(104)
                .scheduler(Scheduler.weightedRoundRobin())
                .real("A", "10.0.0.11", r -> r.weight(100)).real("B", "10.0.0.12", r -> r.weight(100))
                .fallback("10.0.0.99")
                .healthCheck(HealthCheck.agent(AgentProbe.LOADBALANCER_ORG_PORT).interval(INTERVAL)
                        .timeout(Duration.ofSeconds(2)).failAfter(2).riseAfter(1))
                .build();
        return kit.start(LoadBalancer.builder().service(pacs).healthCheckStrategy(agents));
    }

    /** Where {@code n} new connections go, by real server label. */
    private Map<String, Long> spread(int n) {
        return IntStream.range(0, n).mapToObj(i -> kit.open(104).backendLabel())
                .collect(Collectors.groupingBy(l -> l, Collectors.counting()));
    }

    private static RealServerStatus a(LoadBalancer lb) {
        return lb.status().service("PACS").realServer("A");
    }

    @Test
    void anAgentsPercentageScalesTheWeightNewConnectionsAreBalancedBy() {
        LoadBalancer lb = start();
        assertThat(spread(10)).containsExactlyInAnyOrderEntriesOf(Map.of("A", 5L, "B", 5L));

        replies.put("A", "25%");                    // A's agent: busy, 25% idle
        kit.advance(INTERVAL);                      // t = 10 s: the next attempt reads it

        assertThat(a(lb).weight()).isEqualTo(100);
        assertThat(a(lb).effectiveWeight()).isEqualTo(25);
        assertThat(a(lb).state()).isEqualTo(RealServerState.UP);
        assertThat(spread(10)).containsExactlyInAnyOrderEntriesOf(Map.of("A", 2L, "B", 8L));

        replies.put("A", "ready");                  // no percentage: the configured weight again
        kit.advance(INTERVAL);
        assertThat(a(lb).effectiveWeight()).isEqualTo(100);
    }

    @Test
    void drainStopsNewConnectionsButEstablishedOnesStayAndTheStateIsTheOperators() {
        LoadBalancer lb = start();
        SimulatedConnection onA = IntStream.range(0, 4).mapToObj(i -> kit.open(104))
                .filter(c -> c.backendLabel().equals("A")).findFirst().orElseThrow();

        replies.put("A", "drain # patching");
        kit.advance(INTERVAL);

        assertThat(a(lb).effectiveWeight()).isZero();
        assertThat(a(lb).state()).isEqualTo(RealServerState.UP);   // not DRAINING: Drain is the operator's
        assertThat(spread(6)).containsExactly(Map.entry("B", 6L));
        assertThat(onA.isOpen()).isTrue();                           // established connections untouched
        assertThat(a(lb).activeConnections()).isGreaterThanOrEqualTo(1);

        replies.put("B", "maint");                  // no server takes new connections: the fallback does
        kit.advance(INTERVAL);
        assertThat(lb.status().service("PACS").onFallback()).isTrue();
        assertThat(kit.open(104).toFallback()).isTrue();
        assertThat(onA.isOpen()).isTrue();
    }

    @Test
    void anAgentThatStopsAnsweringLeavesTheServerUpAtItsConfiguredWeight() {
        LoadBalancer lb = start();
        replies.put("A", "10%");
        kit.advance(INTERVAL);
        assertThat(a(lb).effectiveWeight()).isEqualTo(10);

        replies.remove("A");                        // the agent hangs: every attempt times out
        kit.advance(INTERVAL.multipliedBy(5));

        assertThat(a(lb).state()).isEqualTo(RealServerState.UP);
        assertThat(a(lb).effectiveWeight()).isEqualTo(100);
        assertThat(a(lb).lastCheck()).isEqualTo("agent: timed out after 2s (weight as configured)");
        assertThat(kit.events(RealServerDown.class)).isEmpty();
    }

    @Test
    void onlyTheAgentsDownTakesTheServerDownAfterFailAfterReplies() {
        LoadBalancer lb = start();
        replies.put("A", "down # disk full");
        kit.advance(INTERVAL);                      // first "down": one failure of two
        assertThat(a(lb).state()).isEqualTo(RealServerState.UP);

        kit.advance(INTERVAL);                      // second: down
        assertThat(a(lb).state()).isEqualTo(RealServerState.DOWN);
        assertThat(kit.events(RealServerDown.class)).singleElement()
                .satisfies(e -> assertThat(e.reason()).isEqualTo("agent: down # disk full"));

        replies.put("A", "up 50%");
        kit.advance(INTERVAL);
        assertThat(a(lb).state()).isEqualTo(RealServerState.UP);
        assertThat(a(lb).effectiveWeight()).isEqualTo(50);
    }
}
