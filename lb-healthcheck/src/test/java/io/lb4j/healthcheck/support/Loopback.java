package io.lb4j.healthcheck.support;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.api.spi.Network;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.healthcheck.net.NettyNetwork;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Loopback targets, free ports and a real check context for strategy tests; the servers are lb-test-support's. */
public final class Loopback {

    public static final InetAddress ADDRESS = InetAddress.getLoopbackAddress();
    /** Upper bound for any single attempt in these tests; a hung test fails here rather than hanging the build. */
    public static final Duration TEST_DEADLINE = Duration.ofSeconds(20);

    private static final TaskClock CLOCK = TaskClock.system();
    private static final Network NETWORK = NettyNetwork.create();

    private Loopback() {
    }

    /** A real clock and the real network. */
    public static CheckContext context() {
        return context(CLOCK, NETWORK);
    }

    /** A context of {@code clock} and {@code network}: a virtual clock, an event-loop clock, a fake network. */
    public static CheckContext context(TaskClock clock, Network network) {
        return new CheckContext() {
            @Override
            public TaskClock clock() {
                return clock;
            }

            @Override
            public Network network() {
                return network;
            }
        };
    }

    /** A target on loopback probing {@code ports}, service ports the same. */
    public static CheckTarget target(Duration timeout, Integer... ports) {
        return new CheckTarget("PACS", ADDRESS, List.of(ports), "PrimaryCluster", ADDRESS, List.of(ports), timeout);
    }

    /** Runs one attempt and waits for it, bounded by {@link #TEST_DEADLINE}. */
    public static CheckResult run(HealthCheckStrategy strategy, Probe probe, CheckTarget target) {
        try {
            return strategy.check(probe, target, context()).toCompletableFuture()
                    .get(TEST_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("attempt did not complete: " + e, e);
        }
    }

    /** A port nothing listens on right now (bound and released; another process could take it, rarely). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, ADDRESS)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
