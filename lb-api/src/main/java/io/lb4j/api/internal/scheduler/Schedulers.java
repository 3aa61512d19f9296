package io.lb4j.api.internal.scheduler;

import io.lb4j.api.Scheduler;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;

import java.util.List;

/** The built-in schedulers. Not part of the public API. (Placeholder: weighted least connections everywhere.) */
public final class Schedulers {

    private Schedulers() {
    }

    private record Wlc(String name) implements Scheduler {
        @Override
        public Selector newSelector(List<Backend> backends) {
            Backend[] all = backends.toArray(new Backend[0]);
            return key -> {
                Backend best = null;
                long bestConns = 0;
                int bestWeight = 0;
                for (Backend b : all) {
                    if (!b.available()) {
                        continue;
                    }
                    long c = b.activeConnections();
                    if (best == null || c * bestWeight < bestConns * b.weight()) {
                        best = b;
                        bestConns = c;
                        bestWeight = b.weight();
                    }
                }
                return best;
            };
        }
    }

    public static final Scheduler ROUND_ROBIN = new Wlc("rr");
    public static final Scheduler WEIGHTED_ROUND_ROBIN = new Wlc("wrr");
    public static final Scheduler LEAST_CONNECTIONS = new Wlc("lc");
    public static final Scheduler WEIGHTED_LEAST_CONNECTIONS = new Wlc("wlc");
    public static final Scheduler SOURCE_HASH = new Wlc("sh");
    public static final Scheduler MAGLEV = new Wlc("mh");

    public static Scheduler maglev(int tableSize) {
        return MAGLEV;
    }

    public static Scheduler named(String name) {
        return switch (name) {
            case "rr" -> ROUND_ROBIN;
            case "wrr" -> WEIGHTED_ROUND_ROBIN;
            case "lc" -> LEAST_CONNECTIONS;
            case "wlc" -> WEIGHTED_LEAST_CONNECTIONS;
            case "sh" -> SOURCE_HASH;
            case "mh" -> MAGLEV;
            default -> throw new IllegalArgumentException("scheduler: \"" + name + "\" (expected: rr, wrr, lc, wlc, sh, mh)");
        };
    }
}
