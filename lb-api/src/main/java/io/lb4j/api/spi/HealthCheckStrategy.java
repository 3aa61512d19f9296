package io.lb4j.api.spi;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.Probe;

import java.util.concurrent.CompletionStage;

/**
 * SPI: runs one attempt of a {@link Probe} against one real server. Implementations are found with
 * {@link java.util.ServiceLoader} or given to {@code LoadBalancer.builder().healthCheckStrategy(..)}.
 *
 * <p>An attempt must not block the calling thread. The monitor that calls it applies the timeout and the
 * fail/rise counting; the strategy only reports what it saw. A stage that completes exceptionally counts as a
 * failed attempt with the exception's message as the reason. When the timeout passes first, and when the monitor
 * stops (the balancer stops, or the check is reconfigured), the monitor cancels the stage
 * ({@code toCompletableFuture().cancel(false)}); a strategy should then close what it opened at once (sockets,
 * processes), so that no more than one attempt per target is ever in flight and nothing outlives the balancer.
 */
public interface HealthCheckStrategy {

    /** Whether this strategy runs {@code probe}. */
    boolean supports(Probe probe);

    /** Starts one attempt; the stage completes with its result. */
    CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context);

    /**
     * Checks that this strategy may run {@code probe} under {@code context}'s settings; the balancer calls it for
     * every check when it is built and on every reconfiguration, so a probe it would refuse to run is a
     * configuration error rather than a server that goes down. The default accepts every probe it
     * {@linkplain #supports supports}. Must not block for long: no network, at most a look at local files.
     *
     * @throws IllegalArgumentException {@code "field: value (expected: ...)"} saying why the probe is refused
     */
    default void validate(Probe probe, CheckContext context) {
    }
}
