package io.lb4j.api.internal.scheduler;

import io.lb4j.api.Scheduler;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;

import java.util.List;

/**
 * Least connections ({@code lc}, LVS {@code ip_vs_lc}): the available backend with the fewest active connections,
 * ties going to the first in list order. Weights other than 0 (never picked) are ignored. One pass over the
 * backends per pick, reading their live counters; no state of its own.
 */
record LeastConnections() implements Scheduler {

    @Override
    public String name() {
        return "lc";
    }

    @Override
    public Selector newSelector(List<Backend> backends) {
        Backend[] all = backends.toArray(new Backend[0]);
        return clientKey -> {
            Backend best = null;
            int bestConnections = 0;
            for (Backend b : all) {
                if (!b.available()) {
                    continue;
                }
                int c = b.activeConnections();
                if (best == null || c < bestConnections) {
                    best = b;
                    bestConnections = c;
                }
            }
            return best;
        };
    }

    @Override
    public String toString() {
        return name();
    }
}
