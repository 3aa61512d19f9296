package io.lb4j.healthcheck;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.PortCheck;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.healthcheck.net.PerPort;
import io.lb4j.healthcheck.net.Reasons;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Runs {@link ConnectProbe}: a TCP connect to every target port at once; healthy when all are accepted, failed as
 * soon as one is not, with that port and the reason. On several ports the result carries each port's outcome and
 * connect latency ({@link CheckResult#ports()}): every port when it passed; when it failed, the ports finished by
 * then (the failed one always; the connects still running are abandoned, so they are not listed).
 */
public final class ConnectStrategy implements HealthCheckStrategy {

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof ConnectProbe;
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        int n = target.ports().size();
        if (n == 0) {
            return CompletableFuture.completedFuture(CheckResult.failed("no ports to check"));
        }
        if (n == 1) {
            return single(target, target.ports().getFirst(), context);
        }
        CompletableFuture<CheckResult> result = new CompletableFuture<>();
        AtomicInteger pending = new AtomicInteger(n);
        AtomicReferenceArray<PortCheck> outcomes = new AtomicReferenceArray<>(n);
        long start = context.clock().nanoTime();
        List<CompletableFuture<Void>> connects = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = i;
            int port = target.ports().get(i);
            // Parallel, not one after another: seven ports with a 3 s timeout would otherwise take 21 s.
            CompletableFuture<Void> connect = context.network()
                    .connect(new InetSocketAddress(target.address(), port), target.timeout()).toCompletableFuture();
            connects.add(connect);
            connect.whenComplete((ok, error) -> {
                outcomes.set(index, PerPort.outcome(port, verdict(error), start, context.clock()));
                if (error != null || pending.decrementAndGet() == 0) {
                    result.complete(PerPort.combine(known(outcomes)));
                }
            });
        }
        // Decided (one port failed) or given up (cancelled by the monitor): the other connects are no longer needed.
        result.whenComplete((r, e) -> connects.forEach(c -> c.cancel(false)));
        return result;
    }

    private static CheckResult verdict(Throwable error) {
        return error == null ? CheckResult.ok() : CheckResult.failed(Reasons.message(error));
    }

    /** The ports whose connect has finished, in the target's order; a failed port decides before the rest finish. */
    private static List<PortCheck> known(AtomicReferenceArray<PortCheck> outcomes) {
        List<PortCheck> known = new ArrayList<>(outcomes.length());
        for (int i = 0; i < outcomes.length(); i++) {
            PortCheck p = outcomes.get(i);
            if (p != null) {
                known.add(p);
            }
        }
        return known;
    }

    /**
     * One port, the common case: one future for the verdict, which is also the connect's callback. No per-port list:
     * the verdict is the port's.
     */
    private static CompletionStage<CheckResult> single(CheckTarget target, int port, CheckContext context) {
        OnePort verdict = new OnePort(port);
        CompletableFuture<Void> connect = context.network()
                .connect(new InetSocketAddress(target.address(), port), target.timeout()).toCompletableFuture();
        verdict.connect = connect;
        if (verdict.isCancelled()) {
            connect.cancel(false);
        }
        connect.whenComplete(verdict);
        return verdict;
    }

    private static final class OnePort extends CompletableFuture<CheckResult>
            implements java.util.function.BiConsumer<Void, Throwable> {

        private final int port;
        private volatile CompletableFuture<Void> connect;

        OnePort(int port) {
            this.port = port;
        }

        @Override
        public void accept(Void ok, Throwable error) {
            complete(error != null ? CheckResult.failed("port " + port + ": " + Reasons.message(error)) : CheckResult.ok());
        }

        /** Given up (cancelled by the monitor): the connect is no longer needed. */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            CompletableFuture<Void> c = connect;
            if (c != null) {
                c.cancel(false);
            }
            return cancelled;
        }
    }
}
