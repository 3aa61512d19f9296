package io.lb4j.healthcheck.agent;

import io.lb4j.api.check.AgentProbe;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.Probe;
import io.lb4j.api.check.WeightReport;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.net.CheckTransport;
import io.lb4j.healthcheck.net.ProbeConnector;
import io.lb4j.healthcheck.net.Reasons;

import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs {@link AgentProbe}: one connection to the agent's port on the real server, one reply read and parsed by
 * {@link AgentReply}. A reply sets the weight (or, {@code down}, fails the attempt); no reply, or one that is not an
 * agent reply, passes at the configured weight with a reason that says so, e.g.
 * {@code "agent port 3333: connection refused (weight as configured)"}; replies that are not agent replies are
 * counted in {@link #ignoredReplies()}.
 *
 * <p>Non-blocking, on the check event loop. Thread-safe; found by {@link java.util.ServiceLoader}.
 */
public final class AgentStrategy implements HealthCheckStrategy {

    private final CheckTransport transport;
    private final LongAdder ignored = new LongAdder();

    /** On the JVM-wide check event loop. */
    public AgentStrategy() {
        this(CheckTransport.shared());
    }

    /** On the given event loop. */
    public AgentStrategy(CheckTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    /** Replies that were not agent replies, and so were ignored, since this strategy was made. */
    public long ignoredReplies() {
        return ignored.sum();
    }

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof AgentProbe;
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        AgentProbe agent = (AgentProbe) probe;
        String where = "agent port " + agent.port() + ": ";
        AgentHandler handler = new AgentHandler(agent, target.timeout());
        CompletableFuture<CheckResult> connection = ProbeConnector.run(transport, context.clock(),
                new InetSocketAddress(target.address(), agent.port()), target.timeout(), handler,
                ch -> ch.pipeline().addLast(handler));
        CompletableFuture<CheckResult> result = connection.thenApply(r -> handler.reply()
                .map(reply -> judge(reply, where))
                .orElseGet(() -> asConfigured(where + r.reason())));
        // The monitor cancels what it was given: the connection must close with it.
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                connection.cancel(false);
            }
        });
        return result;
    }

    private CheckResult judge(String reply, String where) {
        Optional<CheckResult> parsed = AgentReply.parse(reply);
        if (parsed.isEmpty()) {
            ignored.increment();
            return asConfigured(where + "not an agent reply: \"" + Reasons.preview(reply, 64) + "\", ignored");
        }
        CheckResult r = parsed.get();
        return new CheckResult(r.healthy(), where + r.reason().substring("agent: ".length()), r.weight());
    }

    private static CheckResult asConfigured(String reason) {
        return CheckResult.passed(WeightReport.configured(), reason + " (weight as configured)");
    }
}
