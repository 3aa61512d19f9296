package io.lb4j.engine.director;

import io.lb4j.api.RealServer;
import io.lb4j.api.RealServerState;
import io.lb4j.api.check.PortCheck;
import io.lb4j.api.check.WeightReport;
import io.lb4j.api.spi.Backend;
import io.lb4j.healthcheck.HealthMonitor;

import java.time.Instant;
import java.util.List;

/** The control plane's mutable record of one real server in one service. Guarded by the director's lock. */
final class RealServerRuntime {

    enum Admin { NONE, DRAINING, HALTED }

    RealServer spec;
    Backend backend;
    HealthMonitor monitor;
    boolean healthy = true;
    Admin admin = Admin.NONE;
    String lastCheck = "";
    /** The last attempt's per-port outcomes (a connect check); empty when its check does not report them. */
    List<PortCheck> lastCheckPorts = List.of();
    /** Health-check attempts finished, and the time they took, for the status (kept across monitor restarts). */
    long checkAttempts;
    long checkNanos;
    /** Since when the server has been able to take connections without interruption; for the hold-down. */
    Instant ableSince;
    /** Whether the last snapshot let it take new connections; a server that enters one starts its slow start. */
    boolean eligible;
    /** When its slow start began, or {@code null} when it is not ramping. */
    Instant rampStart;
    /** The weight the last snapshot gave it: its reported weight, less while ramping. */
    int effectiveWeight;
    /** The weight the last check reported (a feedback agent, a dynamic script); null: the configured one. */
    WeightReport reported;

    RealServerRuntime(RealServer spec, Instant now) {
        this.spec = spec;
        this.backend = Backend.of(spec);
        this.ableSince = now;
        this.effectiveWeight = spec.weight();
    }

    /**
     * The weight to balance by once any slow start is over: the configured one, or what the check last reported.
     */
    int reportedWeight() {
        return reported == null ? spec.weight() : reported.applyTo(spec.weight());
    }

    /**
     * The backend for the current spec and reported weight, sharing the live counters: established connections and
     * their counts are untouched by a weight change.
     */
    Backend currentBackend() {
        return backend.withSpec(spec.withWeight(reportedWeight()));
    }

    RealServerState state() {
        return switch (admin) {
            case HALTED -> RealServerState.HALTED;
            case DRAINING -> RealServerState.DRAINING;
            case NONE -> healthy ? RealServerState.UP : RealServerState.DOWN;
        };
    }

    /** Up and with an effective weight: LVS sends nothing to a weight-0 server, and neither does lb4j. */
    boolean able() {
        return state() == RealServerState.UP && reportedWeight() > 0;
    }
}
