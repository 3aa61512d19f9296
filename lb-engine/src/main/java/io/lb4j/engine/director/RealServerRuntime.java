package io.lb4j.engine.director;

import io.lb4j.api.RealServer;
import io.lb4j.api.RealServerState;
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
    /** Whether the last snapshot let it take new connections; a server that enters one starts its slow start. */
    boolean eligible;
    /** When its slow start began, or {@code null} when it is not ramping. */
    Instant rampStart;
    /** The weight the last snapshot gave it (below its weight while ramping). */
    int effectiveWeight;

    RealServerRuntime(RealServer spec, Instant now) {
        this.spec = spec;
        this.backend = Backend.of(spec);
        this.ableSince = now;
        this.effectiveWeight = spec.weight();
    }

    RealServerState state() {
        return switch (admin) {
            case HALTED -> RealServerState.HALTED;
            case DRAINING -> RealServerState.DRAINING;
            case NONE -> healthy ? RealServerState.UP : RealServerState.DOWN;
        };
    }

    /** Up and with a weight: LVS sends nothing to a weight-0 server, and neither does lb4j. */
    boolean able() {
        return state() == RealServerState.UP && spec.weight() > 0;
    }
}
