package io.lb4j.engine.director;

import io.lb4j.api.RealServer;
import io.lb4j.api.RealServerState;
import io.lb4j.api.check.WeightReport;
import io.lb4j.api.spi.Backend;
import io.lb4j.healthcheck.HealthMonitor;

import java.time.Instant;

/** The control plane's mutable record of one real server in one service. Guarded by the director's lock. */
final class RealServerRuntime {

    enum Admin { NONE, DRAINING, HALTED }

    RealServer spec;
    Backend backend;
    HealthMonitor monitor;
    boolean healthy = true;
    Admin admin = Admin.NONE;
    String lastCheck = "";
    /** Since when the server has been able to take connections without interruption; for the hold-down. */
    Instant ableSince;
    /** The weight the last check reported (a feedback agent, a dynamic script); null: the configured one. */
    WeightReport reported;

    RealServerRuntime(RealServer spec, Instant now) {
        this.spec = spec;
        this.backend = Backend.of(spec);
        this.ableSince = now;
    }

    /** The weight new connections are balanced by: the configured one, or what the check last reported. */
    int effectiveWeight() {
        return reported == null ? spec.weight() : reported.applyTo(spec.weight());
    }

    /**
     * The backend for the current spec and effective weight, sharing the live counters: established connections and
     * their counts are untouched by a weight change.
     */
    Backend currentBackend() {
        return backend.withSpec(spec.withWeight(effectiveWeight()));
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
        return state() == RealServerState.UP && effectiveWeight() > 0;
    }
}
