package io.lb4j.admin;

import java.util.HashMap;
import java.util.Map;

/**
 * Counts holders per key (a session) against a cap per key and a cap in total: event streams, requests in
 * progress. Thread-safe.
 */
final class Permits {

    /** What {@link #tryAcquire} did. */
    enum Result { ACQUIRED, TOTAL_FULL, KEY_FULL }

    private final int total;
    private final int perKey;
    private final Map<String, Integer> held = new HashMap<>();
    private int count;

    Permits(int total, int perKey) {
        this.total = total;
        this.perKey = perKey;
    }

    synchronized Result tryAcquire(String key) {
        int mine = held.getOrDefault(key, 0);
        if (mine >= perKey) {
            return Result.KEY_FULL;
        }
        if (count >= total) {
            return Result.TOTAL_FULL;
        }
        held.put(key, mine + 1);
        count++;
        return Result.ACQUIRED;
    }

    synchronized void release(String key) {
        Integer mine = held.get(key);
        if (mine == null) {
            throw new IllegalStateException("no permit held for this key");
        }
        if (mine == 1) {
            held.remove(key);
        } else {
            held.put(key, mine - 1);
        }
        count--;
    }

    int perKey() {
        return perKey;
    }

    int total() {
        return total;
    }
}
