package io.lb4j.api.internal.scheduler;

import io.lb4j.api.Scheduler;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Round robin ({@code rr}, LVS {@code ip_vs_rr}): each available backend in turn, in list order, ignoring weights
 * except that weight 0 (quiesced) is never picked. An unavailable backend is skipped and the cursor moves past it,
 * so its turns are not all inherited by the backend after it.
 */
record RoundRobin() implements Scheduler {

    @Override
    public String name() {
        return "rr";
    }

    @Override
    public Selector newSelector(List<Backend> backends) {
        return new RoundRobinSelector(backends.toArray(new Backend[0]));
    }

    @Override
    public String toString() {
        return name();
    }

    /** Lock-free: one {@code getAndIncrement} per pick while every backend is available. */
    private static final class RoundRobinSelector implements Selector {
        private final Backend[] backends;
        private final AtomicLong cursor = new AtomicLong();

        RoundRobinSelector(Backend[] backends) {
            this.backends = backends;
        }

        @Override
        public Backend select(long clientKey) {
            int n = backends.length;
            if (n == 0) {
                return null;
            }
            long turn = cursor.getAndIncrement();
            int start = (int) Long.remainderUnsigned(turn, n);
            for (int i = 0; i < n; i++) {
                int index = start + i < n ? start + i : start + i - n;
                Backend b = backends[index];
                if (b.available()) {
                    if (i > 0) {
                        // Move the cursor past the skipped ones, as LVS does, or the next backend would get their
                        // turns too. Best effort: if another thread moved on meanwhile, its pick stands.
                        cursor.compareAndSet(turn + 1, turn + 1 + i);
                    }
                    return b;
                }
            }
            return null;
        }
    }
}
