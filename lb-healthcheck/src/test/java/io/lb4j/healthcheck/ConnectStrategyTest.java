package io.lb4j.healthcheck;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.PortCheck;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.Network;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.healthcheck.support.Loopback;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectStrategyTest {

    private final ConnectStrategy strategy = new ConnectStrategy();
    private final HealthCheck check = HealthCheck.connect().build();

    private static CheckTarget target(int... ports) {
        List<Integer> list = java.util.Arrays.stream(ports).boxed().toList();
        return new CheckTarget("svc", Loopback.ADDRESS, list, "rs", Loopback.ADDRESS, list, Duration.ofSeconds(5));
    }

    private CheckResult run(CheckTarget target, CheckContext context) throws Exception {
        return strategy.check(check.probe(), target, context).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void onePortThatAcceptsIsHealthy() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, Loopback.ADDRESS)) {
            assertThat(run(target(server.getLocalPort()), Loopback.context()).healthy()).isTrue();
        }
    }

    @Test
    void onePortThatRefusesNamesThePortAndTheReason() throws Exception {
        int port = Loopback.freePort();
        CheckResult r = run(target(port), Loopback.context());
        assertThat(r.healthy()).isFalse();
        assertThat(r.reason()).isEqualTo("port " + port + ": connection refused");
    }

    @Test
    void everyPortMustAccept() throws Exception {
        int closed = Loopback.freePort();
        try (ServerSocket a = new ServerSocket(0, 50, Loopback.ADDRESS);
             ServerSocket b = new ServerSocket(0, 50, Loopback.ADDRESS)) {
            assertThat(run(target(a.getLocalPort(), b.getLocalPort()), Loopback.context()).healthy()).isTrue();
            CheckResult r = run(target(a.getLocalPort(), closed), Loopback.context());
            assertThat(r.healthy()).isFalse();
            assertThat(r.reason()).isEqualTo("port " + closed + ": connection refused");
        }
    }

    @Test
    void onSeveralPortsTheResultSaysHowEachFaredAndHowLongItTook() throws Exception {
        try (ServerSocket a = new ServerSocket(0, 50, Loopback.ADDRESS);
             ServerSocket b = new ServerSocket(0, 50, Loopback.ADDRESS);
             ServerSocket c = new ServerSocket(0, 50, Loopback.ADDRESS)) {
            CheckResult r = run(target(a.getLocalPort(), b.getLocalPort(), c.getLocalPort()), Loopback.context());

            assertThat(r.healthy()).isTrue();
            assertThat(r.ports()).extracting(PortCheck::port)
                    .containsExactly(a.getLocalPort(), b.getLocalPort(), c.getLocalPort());
            assertThat(r.ports()).allSatisfy(p -> {
                assertThat(p.ok()).isTrue();
                assertThat(p.reason()).isEqualTo("ok");
                assertThat(p.latency()).as("a loopback connect").isPositive().isLessThan(Duration.ofSeconds(5));
            });
            // One port: the verdict is the port's, no list.
            assertThat(run(target(a.getLocalPort()), Loopback.context()).ports()).isEmpty();
        }
    }

    @Test
    void aFailedPortDecidesWithThePortsFinishedByThenAndAbandonsTheRest() throws Exception {
        // Port 80 accepted, 443 refused, 8080 still connecting: the verdict comes at once and lists 80 and 443 only.
        List<CompletableFuture<Void>> connects = new CopyOnWriteArrayList<>();
        CheckContext mixed = context(new Network() {
            @Override
            public CompletionStage<Void> connect(InetSocketAddress remote, Duration timeout) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                connects.add(f);
                switch (remote.getPort()) {
                    case 80 -> f.complete(null);
                    case 443 -> f.completeExceptionally(new java.net.ConnectException("connection refused"));
                    default -> { }
                }
                return f;
            }
        });
        CheckResult r = run(target(80, 443, 8080), mixed);

        assertThat(r.healthy()).isFalse();
        assertThat(r.reason()).isEqualTo("port 443: connection refused");
        assertThat(r.ports()).extracting(PortCheck::port).containsExactly(80, 443);
        assertThat(r.ports()).extracting(PortCheck::ok).containsExactly(true, false);
        assertThat(r.ports().get(1).reason()).isEqualTo("connection refused");
        assertThat(r.ports()).allSatisfy(p -> assertThat(p.latency().isNegative()).isFalse());
        assertThat(connects.get(2).isCancelled()).as("port 8080's connect is abandoned").isTrue();
    }

    @Test
    void noPortsIsAFailure() throws Exception {
        CheckResult r = run(target(), Loopback.context());
        assertThat(r.healthy()).isFalse();
        assertThat(r.reason()).isEqualTo("no ports to check");
    }

    @Test
    void cancellingTheVerdictCancelsEveryConnect() {
        List<CompletableFuture<Void>> connects = new CopyOnWriteArrayList<>();
        CheckContext hanging = context(new Network() {
            @Override
            public CompletionStage<Void> connect(InetSocketAddress remote, Duration timeout) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                connects.add(f);
                return f;
            }
        });
        for (int[] ports : new int[][] {{1}, {1, 2, 3}}) {
            connects.clear();
            CompletableFuture<CheckResult> verdict = strategy.check(check.probe(), target(ports), hanging)
                    .toCompletableFuture();
            assertThat(connects).hasSize(ports.length);
            assertThat(verdict.cancel(false)).isTrue();
            assertThat(verdict.isCancelled()).isTrue();
            assertThat(connects).allMatch(CompletableFuture::isCancelled);
        }
    }

    private static CheckContext context(Network network) {
        return new CheckContext() {
            @Override
            public TaskClock clock() {
                return Loopback.context().clock();
            }

            @Override
            public Network network() {
                return network;
            }
        };
    }
}
