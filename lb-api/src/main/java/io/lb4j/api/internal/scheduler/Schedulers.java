package io.lb4j.api.internal.scheduler;

import io.lb4j.api.Scheduler;

import java.util.Objects;

/**
 * The built-in schedulers, as the factories on {@link Scheduler} hand them out. Not part of the public API.
 *
 * <p>Each constant is an immutable value; two schedulers are equal when they would choose alike, so
 * {@code Schedulers.maglev(65537).equals(Schedulers.MAGLEV)}.
 */
public final class Schedulers {

    /** {@code rr}: each available server in turn, ignoring weights. */
    public static final Scheduler ROUND_ROBIN = new RoundRobin();
    /** {@code wrr}: turns in proportion to weight, spread evenly over the cycle. */
    public static final Scheduler WEIGHTED_ROUND_ROBIN = new WeightedRoundRobin();
    /** {@code lc}: fewest active connections. */
    public static final Scheduler LEAST_CONNECTIONS = new LeastConnections();
    /** {@code wlc}: fewest active connections per unit of weight; the default, as in LVS. */
    public static final Scheduler WEIGHTED_LEAST_CONNECTIONS = new WeightedLeastConnections();
    /** {@code sh}: the client's key picks a server, in proportion to weight. */
    public static final Scheduler SOURCE_HASH = new SourceHash();
    /** {@code mh}: Maglev consistent hashing with a table of {@value Maglev#DEFAULT_TABLE_SIZE} slots. */
    public static final Scheduler MAGLEV = new Maglev(Maglev.DEFAULT_TABLE_SIZE);

    private Schedulers() {
    }

    /**
     * Maglev consistent hashing with a lookup table of {@code tableSize} slots.
     *
     * @throws IllegalArgumentException when {@code tableSize} is not a prime in 3-16777213
     */
    public static Scheduler maglev(int tableSize) {
        return tableSize == Maglev.DEFAULT_TABLE_SIZE ? MAGLEV : new Maglev(tableSize);
    }

    /**
     * The scheduler with the given configuration name.
     *
     * @throws IllegalArgumentException naming the allowed values when none matches
     * @throws NullPointerException     when {@code name} is null
     */
    public static Scheduler named(String name) {
        Objects.requireNonNull(name, "scheduler");
        return switch (name) {
            case "rr" -> ROUND_ROBIN;
            case "wrr" -> WEIGHTED_ROUND_ROBIN;
            case "lc" -> LEAST_CONNECTIONS;
            case "wlc" -> WEIGHTED_LEAST_CONNECTIONS;
            case "sh" -> SOURCE_HASH;
            case "mh" -> MAGLEV;
            default -> throw new IllegalArgumentException(
                    "scheduler: \"" + name + "\" (expected: rr, wrr, lc, wlc, sh, mh)");
        };
    }
}
