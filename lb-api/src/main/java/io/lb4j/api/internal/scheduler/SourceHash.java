package io.lb4j.api.internal.scheduler;

import io.lb4j.api.Scheduler;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;

import java.util.List;

/**
 * Source hashing ({@code sh}, after LVS {@code ip_vs_sh} with its fallback flag): the client's key picks a backend,
 * each backend owning a share of the key space in proportion to its weight, so a client keeps reaching the same
 * backend while the set of backends is unchanged. Weight 0 owns no share. When the picked backend is unavailable
 * the next available one in list order (wrapping) takes the client, so the answer stays a function of the key and
 * the backends' availability alone.
 *
 * <p>Not consistent hashing: adding or removing a backend shifts the shares of the backends after it in the list,
 * and so many clients. Use {@link Maglev} when that matters.
 */
record SourceHash() implements Scheduler {

    @Override
    public String name() {
        return "sh";
    }

    @Override
    public Selector newSelector(List<Backend> backends) {
        Backend[] all = backends.toArray(new Backend[0]);
        long[] upTo = new long[all.length];
        long total = 0;
        for (int i = 0; i < all.length; i++) {
            total += all[i].weight();
            upTo[i] = total;
        }
        return new SourceHashSelector(all, upTo, total);
    }

    @Override
    public String toString() {
        return name();
    }

    private static final class SourceHashSelector implements Selector {
        private final Backend[] backends;
        /** Backend {@code i} owns the points {@code [upTo[i-1], upTo[i])} of {@code [0, total)}. */
        private final long[] upTo;
        private final long total;

        SourceHashSelector(Backend[] backends, long[] upTo, long total) {
            this.backends = backends;
            this.upTo = upTo;
            this.total = total;
        }

        @Override
        public Backend select(long clientKey) {
            if (total == 0) {
                return null;
            }
            // Scales the whole 64-bit key onto [0, total) without the bias a remainder would have.
            long point = Math.unsignedMultiplyHigh(clientKey, total);
            int low = 0;
            int high = upTo.length - 1;
            while (low < high) { // the first i with upTo[i] > point; a weight-0 backend never is
                int mid = (low + high) >>> 1;
                if (upTo[mid] > point) {
                    high = mid;
                } else {
                    low = mid + 1;
                }
            }
            int n = backends.length;
            for (int i = 0; i < n; i++) {
                Backend b = backends[low + i < n ? low + i : low + i - n];
                if (b.available()) {
                    return b;
                }
            }
            return null;
        }
    }
}
