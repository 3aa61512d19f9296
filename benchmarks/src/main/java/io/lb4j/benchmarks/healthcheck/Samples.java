package io.lb4j.benchmarks.healthcheck;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/** A fixed-size, lock-free bag of {@code long} samples (microseconds) and their percentiles. */
final class Samples {

    private final long[] values;
    private final AtomicInteger size = new AtomicInteger();

    Samples(int capacity) {
        values = new long[capacity];
    }

    void add(long v) {
        int i = size.getAndIncrement();
        if (i < values.length) {
            values[i] = v;
        }
    }

    int count() {
        return Math.min(size.get(), values.length);
    }

    /** Percentiles {@code ps} (0-100) by nearest rank; {@code NaN} when empty. */
    double[] percentiles(double... ps) {
        long[] s = Arrays.copyOf(values, count());
        Arrays.sort(s);
        double[] out = new double[ps.length];
        for (int k = 0; k < ps.length; k++) {
            if (s.length == 0) {
                out[k] = Double.NaN;
            } else {
                int rank = (int) Math.ceil(ps[k] / 100.0 * s.length);
                out[k] = s[Math.max(0, Math.min(s.length - 1, rank - 1))];
            }
        }
        return out;
    }
}
