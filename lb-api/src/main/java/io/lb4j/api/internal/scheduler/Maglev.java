package io.lb4j.api.internal.scheduler;

import io.lb4j.api.Scheduler;
import io.lb4j.api.internal.Checks;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Maglev consistent hashing ({@code mh}; Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load
 * Balancer", NSDI 2016, section 3.4): a lookup table of {@code tableSize} slots, a prime, each slot owned by one
 * backend; a client goes to {@code table[clientKey mod tableSize]}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Agreement without shared state.</b> The table depends only on the table size and the backends' labels and
 *       weights, not on their order in the list nor on anything local, so balancers configured alike send a client
 *       to the same backend.</li>
 *   <li><b>Balance.</b> Backends of equal weight own {@code floor} or {@code ceil} of {@code tableSize / n} slots;
 *       with unequal weights, shares are proportional to weight (a backend is offered a slot in a round only when
 *       its weight allows, as Envoy's weighted Maglev does). Weight 0 owns no slot.</li>
 *   <li><b>Minimal disruption.</b> Removing one of {@code n} backends moves its own clients and only a few more:
 *       a little over {@code 1/n} of all clients.</li>
 * </ul>
 *
 * <p>The algorithm, so that another implementation can agree with this one: for each backend,
 * {@code h = FNV-1a-64(UTF-8 bytes of its label)}, {@code h1 = mix(h)}, {@code h2 = mix(h + 0x9E3779B97F4A7C15)}
 * where {@code mix} is SplitMix64's finaliser; {@code offset = h1 mod M} and {@code skip = h2 mod (M - 1) + 1}
 * (both unsigned), its preference list is {@code (offset + j * skip) mod M} for {@code j = 0, 1, ...}. Backends
 * sorted by label take turns claiming their next preferred free slot; in round {@code r} a backend of weight
 * {@code w} takes a turn when {@code r * w >= t}, after which {@code t} grows by the largest weight. The table is
 * full after {@code M} claims.
 *
 * <p>An unavailable backend's clients go to the backend of the next slot that is available (looking at most
 * {@code 16 n} slots ahead), and failing that to the next available backend in label order after it: a function
 * of the key and the backends' availability alone, so balancers still agree.
 *
 * @param tableSize the number of slots, a prime in 3-16777213; should be at least 100 times the number of backends
 */
record Maglev(int tableSize) implements Scheduler {

    /** The paper's table size: a prime comfortably above 100 times the backends of a typical service. */
    static final int DEFAULT_TABLE_SIZE = 65537;
    /** The largest prime below 2^24; a table of that size takes 64 MiB. */
    static final int MAX_TABLE_SIZE = 16777213;

    /** Validates the table size. */
    Maglev {
        if (tableSize < 3 || tableSize > MAX_TABLE_SIZE || !isPrime(tableSize)) {
            throw Checks.invalid("maglev.tableSize", tableSize, "a prime in 3-" + MAX_TABLE_SIZE);
        }
    }

    @Override
    public String name() {
        return "mh";
    }

    @Override
    public Selector newSelector(List<Backend> backends) {
        // Sorted by label so that the configured order, which may differ between balancers, does not matter.
        Backend[] owners = backends.stream().filter(b -> b.weight() > 0)
                .sorted(Comparator.comparing(Backend::label)).toArray(Backend[]::new);
        return new MaglevSelector(owners, populate(owners, tableSize));
    }

    @Override
    public String toString() {
        return "mh[tableSize=" + tableSize + "]";
    }

    /** For each slot, the index in {@code owners} of the backend that owns it; empty when there are no owners. */
    static int[] populate(Backend[] owners, int m) {
        int n = owners.length;
        if (n == 0) {
            return new int[0];
        }
        long[] skip = new long[n];
        int[] next = new int[n]; // the backend's next preferred slot
        long[] weight = new long[n];
        long[] due = new long[n];
        long maxWeight = 0;
        for (int i = 0; i < n; i++) {
            long h = fnv1a64(owners[i].label());
            next[i] = (int) Long.remainderUnsigned(mix(h), m);
            skip[i] = Long.remainderUnsigned(mix(h + 0x9E3779B97F4A7C15L), m - 1) + 1;
            weight[i] = owners[i].weight();
            maxWeight = Math.max(maxWeight, weight[i]);
        }
        int[] table = new int[m];
        Arrays.fill(table, -1);
        int filled = 0;
        for (long round = 0; ; round++) {
            for (int i = 0; i < n; i++) {
                if (round * weight[i] < due[i]) {
                    continue; // a lighter backend sits out rounds so that it claims slots in proportion to weight
                }
                due[i] += maxWeight;
                int slot = next[i];
                while (table[slot] >= 0) {
                    slot = step(slot, skip[i], m);
                }
                table[slot] = i;
                next[i] = step(slot, skip[i], m);
                if (++filled == m) {
                    return table;
                }
            }
        }
    }

    private static int step(int slot, long skip, int m) {
        long s = slot + skip;
        return (int) (s >= m ? s - m : s);
    }

    /** FNV-1a, 64 bits, over the UTF-8 bytes: simple to reproduce in any language. */
    static long fnv1a64(String label) {
        long h = 0xCBF29CE484222325L;
        for (byte b : label.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001B3L;
        }
        return h;
    }

    /** SplitMix64's finaliser, the same mix {@code RoutingTable.clientKey} uses. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        if (n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    private static final class MaglevSelector implements Selector {
        private final Backend[] owners;
        private final int[] table;
        private final int walk;

        MaglevSelector(Backend[] owners, int[] table) {
            this.owners = owners;
            this.table = table;
            this.walk = Math.min(table.length - 1, 16 * owners.length);
        }

        @Override
        public Backend select(long clientKey) {
            int m = table.length;
            if (m == 0) {
                return null;
            }
            int slot = (int) Long.remainderUnsigned(clientKey, m);
            Backend b = owners[table[slot]];
            return b.available() ? b : nextAvailable(slot);
        }

        private Backend nextAvailable(int slot) {
            int m = table.length;
            for (int i = 1; i <= walk; i++) {
                int s = slot + i < m ? slot + i : slot + i - m;
                Backend b = owners[table[s]];
                if (b.available()) {
                    return b;
                }
            }
            // Bounded so that a mostly unavailable service costs O(n), not O(tableSize), per pick.
            int n = owners.length;
            int from = table[slot];
            for (int i = 1; i <= n; i++) {
                Backend b = owners[(from + i) % n];
                if (b.available()) {
                    return b;
                }
            }
            return null;
        }
    }
}
