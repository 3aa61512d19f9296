package io.lb4j.healthcheck.net;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.api.spi.Network;
import io.lb4j.healthcheck.ConnectStrategy;
import io.lb4j.healthcheck.HealthMonitor;
import io.lb4j.healthcheck.support.Loopback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventLoopClockTest {

    private static CheckTransport transport;

    @BeforeAll
    static void loop() {
        transport = CheckTransport.create(1);
    }

    @AfterAll
    static void stopLoop() {
        transport.shutdown();
    }

    @Test
    void runsATaskOnTheLoopThreadNoEarlierThanItsDelay() throws Exception {
        EventLoopClock clock = transport.newClock();
        CompletableFuture<Long> ran = new CompletableFuture<>();
        AtomicBoolean onLoop = new AtomicBoolean();
        long start = clock.nanoTime();
        clock.schedule(Duration.ofMillis(50), () -> {
            onLoop.set(clock.inTimerThread());
            ran.complete(clock.nanoTime());
        });
        long at = ran.get(5, TimeUnit.SECONDS);
        assertThat(at - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        assertThat(onLoop).isTrue();
        assertThat(clock.inTimerThread()).isFalse();
    }

    @Test
    void runsTasksInDeadlineOrderAndEqualDeadlinesInSchedulingOrder() throws Exception {
        EventLoopClock clock = transport.newClock();
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        // Scheduled from the loop itself, as the health monitor does, so the equal delays are equal deadlines only
        // if nothing else moves the clock in between: the test asserts the order the contract promises either way.
        clock.schedule(Duration.ZERO, () -> {
            clock.schedule(Duration.ofMillis(40), () -> order.add("late"));
            for (int i = 0; i < 5; i++) {
                int n = i;
                clock.schedule(Duration.ofMillis(20), () -> order.add("same-" + n));
            }
            clock.schedule(Duration.ofMillis(1), () -> order.add("early"));
            clock.schedule(Duration.ofMillis(60), done::countDown);
        });
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly("early", "same-0", "same-1", "same-2", "same-3", "same-4", "late");
    }

    @Test
    void aCancelledTaskNeverRunsAndCancelSaysWhetherItWasPending() throws Exception {
        EventLoopClock clock = transport.newClock();
        AtomicBoolean cancelledRan = new AtomicBoolean();
        Cancellable cancelled = clock.schedule(Duration.ofMillis(50), () -> cancelledRan.set(true));
        assertThat(cancelled.cancel()).isTrue();
        assertThat(cancelled.cancel()).isFalse();

        CountDownLatch ran = new CountDownLatch(1);
        Cancellable done = clock.schedule(Duration.ZERO, ran::countDown);
        assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100); // past the cancelled task's deadline
        assertThat(cancelledRan).isFalse();
        assertThat(done.cancel()).isFalse();
    }

    @Test
    void cancelFromTheLoopItselfWorks() throws Exception {
        EventLoopClock clock = transport.newClock();
        AtomicBoolean ran = new AtomicBoolean();
        CompletableFuture<Boolean> cancelResult = new CompletableFuture<>();
        clock.schedule(Duration.ZERO, () -> {
            Cancellable c = clock.schedule(Duration.ofMillis(10), () -> ran.set(true));
            cancelResult.complete(c.cancel());
        });
        assertThat(cancelResult.get(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(60);
        assertThat(ran).isFalse();
    }

    @Test
    void aNegativeDelayIsRefused() {
        EventLoopClock clock = transport.newClock();
        assertThatThrownBy(() -> clock.schedule(Duration.ofMillis(-1), () -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFailingTaskDoesNotStopLaterOnes() throws Exception {
        EventLoopClock clock = transport.newClock();
        CountDownLatch later = new CountDownLatch(1);
        clock.schedule(Duration.ZERO, () -> {
            throw new IllegalStateException("expected by the test");
        });
        clock.schedule(Duration.ofMillis(5), later::countDown);
        assertThat(later.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void closingStopsPendingTasksAndRefusesNewOnesButLeavesTheLoopRunning() throws Exception {
        EventLoopClock clock = transport.newClock();
        AtomicBoolean ran = new AtomicBoolean();
        clock.schedule(Duration.ofMillis(30), () -> ran.set(true));
        clock.close();
        clock.close(); // idempotent
        assertThatThrownBy(() -> clock.schedule(Duration.ZERO, () -> { }))
                .isInstanceOf(RejectedExecutionException.class);
        Thread.sleep(100);
        assertThat(ran).isFalse();

        CountDownLatch other = new CountDownLatch(1);
        transport.newClock().schedule(Duration.ZERO, other::countDown);
        assertThat(other.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aMonitorOnTheLoopClockRunsAttemptsConnectsAndVerdictsOnTheLoopThread() throws Exception {
        EventLoopClock clock = transport.newClock();
        Network network = NettyNetwork.on(transport);
        CheckContext context = Loopback.context(clock, network);
        try (ServerSocket server = new ServerSocket(0, 50, Loopback.ADDRESS)) {
            int port = server.getLocalPort();
            CheckTarget target = new CheckTarget("svc", Loopback.ADDRESS, List.of(port), "rs", Loopback.ADDRESS,
                    List.of(port), Duration.ofMillis(100));
            HealthCheck check = HealthCheck.connect().interval(Duration.ofMillis(100)).timeout(Duration.ofMillis(100))
                    .jitter(Duration.ZERO).build();
            List<CheckResult> results = new CopyOnWriteArrayList<>();
            AtomicReference<String> offLoop = new AtomicReference<>();
            CountDownLatch three = new CountDownLatch(3);
            ConnectStrategy connect = new ConnectStrategy();
            HealthMonitor monitor = new HealthMonitor(check, target, new HealthCheckStrategy() {
                @Override
                public boolean supports(Probe probe) {
                    return connect.supports(probe);
                }

                @Override
                public CompletionStage<CheckResult> check(Probe probe, CheckTarget t, CheckContext c) {
                    if (!clock.inTimerThread()) {
                        offLoop.set("attempt on " + Thread.currentThread().getName());
                    }
                    return connect.check(probe, t, c);
                }
            }, context, new HealthMonitor.Listener() {
                @Override
                public void onResult(CheckResult result) {
                    if (!clock.inTimerThread()) {
                        offLoop.set("verdict on " + Thread.currentThread().getName());
                    }
                    results.add(result);
                    three.countDown();
                }

                @Override
                public void onTransition(boolean up, CheckResult cause) {
                }
            }, new SplittableRandom(1));
            monitor.start(Duration.ZERO);
            try {
                assertThat(three.await(10, TimeUnit.SECONDS)).isTrue();
            } finally {
                monitor.stop();
            }
            assertThat(offLoop.get()).isNull();
            assertThat(results).allMatch(CheckResult::healthy);
        }
    }

    @Test
    void aConnectCheckClosesWithAResetSoNoSocketLingersInTimeWait() throws Exception {
        java.nio.file.Path tcp = java.nio.file.Path.of("/proc/net/tcp");
        org.assertj.core.api.Assumptions.assumeThat(java.nio.file.Files.isReadable(tcp)).as("/proc/net/tcp").isTrue();
        Network network = NettyNetwork.on(transport);
        try (ServerSocket server = new ServerSocket(0, 50, Loopback.ADDRESS)) {
            // A server that accepts and closes whatever reaches it: a check closed with a FIN would leave its socket
            // in TIME_WAIT; SO_LINGER 0 sends a reset instead (and the bare probe resets before the server accepts).
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        server.accept().close();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            String port = String.format(":%04X ", server.getLocalPort());
            for (int i = 0; i < 5; i++) {
                network.connect(new java.net.InetSocketAddress(Loopback.ADDRESS, server.getLocalPort()),
                        Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            // Absence is the verdict: look for a while (a FIN close reaches TIME_WAIT within a millisecond here).
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            do {
                // Columns: sl local_address rem_address st ...; st 06 is TIME_WAIT.
                assertThat(java.nio.file.Files.readAllLines(tcp)).as("sockets to the server in TIME_WAIT")
                        .noneMatch(l -> l.trim().split("\\s+")[2].endsWith(port.trim())
                                && l.trim().split("\\s+")[3].equals("06"));
            } while (System.nanoTime() < deadline);
        }
    }
}
