package io.lb4j.healthcheck;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.NoProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.HealthCheckStrategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs {@link CompositeProbe}: every part on its own ports, and the "other ports" probe on the check's remaining
 * ports, all in parallel; healthy only when all are, otherwise the failed parts' reasons joined with {@code "; "}.
 *
 * <p>Each part goes to the first delegate that supports its probe: the delegates given to the constructor, or
 * (no-argument constructor, as {@link ServiceLoader} uses) every other strategy registered as a service, looked
 * up once. A part that no delegate supports fails with a reason naming the probe type. Thread-safe.
 */
public final class CompositeStrategy implements HealthCheckStrategy {

    private final List<HealthCheckStrategy> given;
    private volatile List<HealthCheckStrategy> loaded;

    /** Delegates found with {@link ServiceLoader} on first use. */
    public CompositeStrategy() {
        this.given = null;
    }

    /** Delegates to {@code strategies}, in order. */
    public CompositeStrategy(List<? extends HealthCheckStrategy> strategies) {
        this.given = List.copyOf(Objects.requireNonNull(strategies, "strategies"));
    }

    @Override
    public boolean supports(Probe probe) {
        return probe instanceof CompositeProbe;
    }

    @Override
    public CompletionStage<CheckResult> check(Probe probe, CheckTarget target, CheckContext context) {
        CompositeProbe composite = (CompositeProbe) probe;
        List<CompletableFuture<CheckResult>> results = new ArrayList<>();
        for (CompositeProbe.Part part : composite.parts()) {
            results.add(run(part.probe(), part.ports(), target, context));
        }
        if (!(composite.otherPorts() instanceof NoProbe)) {
            Set<Integer> named = composite.namedPorts();
            List<Integer> others = target.ports().stream().filter(p -> !named.contains(p)).toList();
            if (!others.isEmpty()) {
                results.add(run(composite.otherPorts(), others, target, context));
            }
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            StringBuilder reasons = new StringBuilder();
            for (CompletableFuture<CheckResult> r : results) {
                CheckResult result = r.join();
                if (!result.healthy()) {
                    reasons.append(reasons.isEmpty() ? "" : "; ").append(result.reason());
                }
            }
            return reasons.isEmpty() ? CheckResult.ok() : CheckResult.failed(reasons.toString());
        });
    }

    /** Each part's probe, and the other-ports probe, as the strategy that runs it validates it. */
    @Override
    public void validate(Probe probe, CheckContext context) {
        CompositeProbe composite = (CompositeProbe) probe;
        List<Probe> probes = new ArrayList<>(composite.parts().stream().map(CompositeProbe.Part::probe).toList());
        probes.add(composite.otherPorts());
        for (Probe p : probes) {
            delegates().stream().filter(s -> s.supports(p)).findFirst().ifPresent(s -> s.validate(p, context));
        }
    }

    private CompletableFuture<CheckResult> run(Probe probe, List<Integer> ports, CheckTarget target, CheckContext context) {
        CheckTarget part = new CheckTarget(target.service(), target.vip(), target.vipPorts(), target.realServer(),
                target.address(), ports, target.timeout());
        String prefix = probe.type() + " " + (ports.size() == 1 ? "port " + ports.getFirst() : "ports " + ports) + ": ";
        for (HealthCheckStrategy s : delegates()) {
            if (s.supports(probe)) {
                try {
                    return s.check(probe, part, context).toCompletableFuture().handle((r, e) -> {
                        if (e != null) {
                            return CheckResult.failed(prefix + (e.getMessage() != null ? e.getMessage() : e.toString()));
                        }
                        return r.healthy() ? r : CheckResult.failed(probe.type() + " " + r.reason());
                    });
                } catch (RuntimeException e) {
                    return CompletableFuture.completedFuture(CheckResult.failed(prefix + e.getMessage()));
                }
            }
        }
        return CompletableFuture.completedFuture(CheckResult.failed(prefix + "no health-check strategy supports "
                + probe.type() + " (is its module on the class path?)"));
    }

    private List<HealthCheckStrategy> delegates() {
        if (given != null) {
            return given;
        }
        List<HealthCheckStrategy> l = loaded;
        if (l == null) {
            List<HealthCheckStrategy> found = new ArrayList<>();
            for (HealthCheckStrategy s : ServiceLoader.load(HealthCheckStrategy.class, CompositeStrategy.class.getClassLoader())) {
                if (!(s instanceof CompositeStrategy)) { // parts are never composite; avoid recursion
                    found.add(s);
                }
            }
            loaded = l = List.copyOf(found);
        }
        return l;
    }
}
