package io.lb4j.api.internal.scheduler;

import io.lb4j.api.Scheduler;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;

import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin ({@code wrr}): over one cycle each backend gets exactly as many turns as its weight (after
 * dividing all weights by their greatest common divisor), and the turns are interleaved: backend {@code i}'s
 * {@code k}-th turn falls at {@code (k + ½) / weight_i} of the cycle, ties in list order. This is the order of an
 * ideal weighted fair queue and close to nginx's smooth WRR: weights 5/1/1 give {@code a a a b c a a}, and equal
 * weights give plain round robin. It spreads a heavy backend's turns where LVS's {@code ip_vs_wrr} (which steps a
 * current weight down from the maximum by the gcd) gives it a burst first: 50 in a row for weights 100/50.
 *
 * <p>The cycle is computed once per snapshot and read through one atomic counter, so picking is lock-free and
 * allocates nothing. When weights divided by their gcd sum to more than {@value #MAX_CYCLE}, they are scaled down
 * to fit (each at least 1), which shifts no backend's share by more than about one part in a hundred thousand of
 * all traffic.
 *
 * <p>When the backend whose turn it is is unavailable (at its connection limit), the turn goes to the next
 * available backend in the cycle, looking at most as many turns ahead as there are backends; if those are all
 * unavailable too, to the next available backend in list order. So skipping costs at most two passes over the
 * backends, never a walk over a long cycle.
 */
record WeightedRoundRobin() implements Scheduler {

    /** The longest cycle kept per snapshot: 1 MiB of turns. */
    static final int MAX_CYCLE = 1 << 18;

    @Override
    public String name() {
        return "wrr";
    }

    @Override
    public Selector newSelector(List<Backend> backends) {
        Backend[] all = backends.toArray(new Backend[0]);
        return new WrrSelector(all, cycle(all));
    }

    @Override
    public String toString() {
        return name();
    }

    /** The backends' indices in the order they take their turns over one cycle; empty when every weight is 0. */
    static int[] cycle(Backend[] backends) {
        int n = backends.length;
        long[] weights = new long[n];
        long gcd = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = backends[i].weight();
            gcd = gcd(gcd, weights[i]);
        }
        if (gcd == 0) {
            return new int[0];
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] /= gcd;
            total += weights[i];
        }
        if (total > MAX_CYCLE) {
            long scaled = 0;
            for (int i = 0; i < n; i++) {
                if (weights[i] > 0) {
                    weights[i] = Math.max(1, (weights[i] * MAX_CYCLE + total / 2) / total);
                    scaled += weights[i];
                }
            }
            total = scaled;
        }
        long[] turnsTaken = new long[n];
        // Earliest due turn first: compare (2k_a + 1) / w_a with (2k_b + 1) / w_b by cross-multiplication.
        PriorityQueue<Integer> due = new PriorityQueue<>((a, b) -> {
            int byTime = Long.compare((2 * turnsTaken[a] + 1) * weights[b], (2 * turnsTaken[b] + 1) * weights[a]);
            return byTime != 0 ? byTime : Integer.compare(a, b);
        });
        for (int i = 0; i < n; i++) {
            if (weights[i] > 0) {
                due.add(i);
            }
        }
        int[] cycle = new int[(int) total];
        for (int t = 0; t < cycle.length; t++) {
            int i = due.poll();
            cycle[t] = i;
            if (++turnsTaken[i] < weights[i]) {
                due.add(i); // re-inserted after its key changed: a queued element's key must not change
            }
        }
        return cycle;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static final class WrrSelector implements Selector {
        private final Backend[] backends;
        private final int[] cycle;
        private final int lookAhead;
        private final AtomicLong turn = new AtomicLong();

        WrrSelector(Backend[] backends, int[] cycle) {
            this.backends = backends;
            this.cycle = cycle;
            this.lookAhead = Math.min(cycle.length - 1, backends.length);
        }

        @Override
        public Backend select(long clientKey) {
            int length = cycle.length;
            if (length == 0) {
                return null;
            }
            int position = (int) Long.remainderUnsigned(turn.getAndIncrement(), length);
            Backend b = backends[cycle[position]];
            return b.available() ? b : skip(position);
        }

        private Backend skip(int position) {
            int length = cycle.length;
            for (int i = 1; i <= lookAhead; i++) {
                int p = position + i < length ? position + i : position + i - length;
                Backend b = backends[cycle[p]];
                if (b.available()) {
                    return b;
                }
            }
            int n = backends.length;
            int from = cycle[position];
            for (int i = 1; i <= n; i++) {
                Backend b = backends[(from + i) % n];
                if (b.available()) {
                    return b;
                }
            }
            return null;
        }
    }
}
