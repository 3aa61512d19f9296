package io.lb4j.api;

import io.lb4j.api.internal.scheduler.Schedulers;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;

import java.util.List;

/**
 * How a virtual service spreads new connections over its real servers. The LVS schedulers are here as factories;
 * implement this interface for your own.
 *
 * <p>A scheduler is a stateless, immutable recipe: for each routing-table snapshot the control plane calls
 * {@link #newSelector(List)} once, and engines call the selector for every new connection.
 */
public interface Scheduler {

    /** The name used in configuration files and status, e.g. {@code wlc}. */
    String name();

    /**
     * A selector over {@code backends}, which are in the service's configured order and all in a state that takes
     * new connections (their weights and live counts still apply).
     */
    Selector newSelector(List<Backend> backends);

    /** Round robin ({@code rr}): each available server in turn, ignoring weights. */
    static Scheduler roundRobin() {
        return Schedulers.ROUND_ROBIN;
    }

    /** Weighted round robin ({@code wrr}): turns in proportion to weight, interleaved (LVS's algorithm). */
    static Scheduler weightedRoundRobin() {
        return Schedulers.WEIGHTED_ROUND_ROBIN;
    }

    /** Least connections ({@code lc}): the server with the fewest active connections. */
    static Scheduler leastConnections() {
        return Schedulers.LEAST_CONNECTIONS;
    }

    /** Weighted least connections ({@code wlc}, the default as in LVS): fewest active connections per weight. */
    static Scheduler weightedLeastConnections() {
        return Schedulers.WEIGHTED_LEAST_CONNECTIONS;
    }

    /** Source hashing ({@code sh}): the client's address picks the server, weighted, skipping unavailable ones. */
    static Scheduler sourceHash() {
        return Schedulers.SOURCE_HASH;
    }

    /**
     * Maglev consistent hashing ({@code mh}) with the default table size of 65537: balancers that share no state
     * agree on the server for a client, and removing one of N servers moves about 1/N of clients.
     */
    static Scheduler maglev() {
        return Schedulers.MAGLEV;
    }

    /**
     * Maglev consistent hashing with the given lookup-table size.
     *
     * @param tableSize a prime; it should be at least 100 times the number of servers
     * @throws IllegalArgumentException when {@code tableSize} is not a prime in 3-16777213
     */
    static Scheduler maglev(int tableSize) {
        return Schedulers.maglev(tableSize);
    }

    /**
     * The scheduler with the given configuration name: {@code rr}, {@code wrr}, {@code lc}, {@code wlc},
     * {@code sh}, {@code mh}.
     *
     * @throws IllegalArgumentException naming the allowed values when none matches
     */
    static Scheduler named(String name) {
        return Schedulers.named(name);
    }
}
