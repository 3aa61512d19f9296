package io.lb4j.engine.director;

import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.PersistenceTable;
import io.lb4j.api.spi.RoutingTable;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The control plane's mutable record of one virtual service. Guarded by the director's lock. */
final class ServiceRuntime {

    VirtualService spec;
    final Map<String, RealServerRuntime> reals = new LinkedHashMap<>();
    Backend fallback;
    PersistenceTable persistence;
    boolean onFallback;
    /** Under a manual fail-back policy: an operator has allowed this failed-over service back. */
    boolean failbackReleased;
    long version;
    RoutingTable table;
    Cancellable holdDownTimer;
    /** Steps the effective weights of ramping servers (slow start); {@code null} when none ramps. */
    Cancellable rampTimer;
    /** The real servers the last snapshot let take new connections. */
    List<RealServerRuntime> eligible = List.of();

    void cancelTimers() {
        if (holdDownTimer != null) {
            holdDownTimer.cancel();
            holdDownTimer = null;
        }
        if (rampTimer != null) {
            rampTimer.cancel();
            rampTimer = null;
        }
    }

    ServiceRuntime(VirtualService spec) {
        this.spec = spec;
    }

    RealServerRuntime real(String label) {
        RealServerRuntime rt = reals.get(label);
        if (rt == null) {
            throw new java.util.NoSuchElementException("service \"" + spec.label() + "\" has no real server \""
                    + label + "\" (it has: " + String.join(", ", reals.keySet()) + ")");
        }
        return rt;
    }
}
