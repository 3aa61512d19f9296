package io.lb4j.api.internal.scheduler;

import io.lb4j.api.Scheduler;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;

import java.util.List;

/**
 * Weighted least connections ({@code wlc}, LVS {@code ip_vs_wlc}, the default): the available backend with the
 * smallest {@code activeConnections / weight}, ties going to the first in list order. Ratios are compared by
 * cross-multiplication in {@code long}, as LVS does, so there is no rounding and no overflow. Weight 0 is never
 * picked. One pass over the backends per pick; no state of its own.
 *
 * <p>As in LVS, when every count is equal (say, all zero at start) the first backend wins regardless of weight;
 * the counts it then gains steer the following picks.
 */
record WeightedLeastConnections() implements Scheduler {

    @Override
    public String name() {
        return "wlc";
    }

    @Override
    public Selector newSelector(List<Backend> backends) {
        Backend[] all = backends.toArray(new Backend[0]);
        return clientKey -> {
            Backend best = null;
            long bestConnections = 0;
            long bestWeight = 0;
            for (Backend b : all) {
                if (!b.available()) {
                    continue;
                }
                long c = b.activeConnections();
                long w = b.weight();
                // c / w < bestC / bestW, with both weights positive because available() excludes weight 0.
                if (best == null || c * bestWeight < bestConnections * w) {
                    best = b;
                    bestConnections = c;
                    bestWeight = w;
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
