package io.lb4j.api.spi;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Source-address persistence ("sticky" clients) for one service: a client that connected within the timeout goes
 * to the same real server again. Shared by every snapshot of the service, so it survives routing changes;
 * entries for a server that goes down or is halted are expired by the control plane, or persistent clients would
 * keep going to a dead primary instead of the fallback. The fallback is never remembered, so at fail-back persistent
 * clients return to the real servers (see {@code VirtualService.Builder.persistence}). Thread-safe.
 */
public final class PersistenceTable {

    private final long timeoutNanos;
    private final TaskClock clock;
    private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(String label, long expiresAtNanos) {
    }

    /**
     * @param timeout how long after its last new connection a client stays with its server; positive
     * @param clock   the balancer's clock
     */
    public PersistenceTable(Duration timeout, TaskClock clock) {
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("persistence: " + timeout + " (expected: > 0)");
        }
        this.timeoutNanos = timeout.toNanos();
        this.clock = clock;
    }

    /** The label of the server the client is stuck to, or {@code null}. */
    public String lookup(long clientKey) {
        Entry e = entries.get(clientKey);
        if (e == null) {
            return null;
        }
        if (clock.nanoTime() - e.expiresAtNanos >= 0) {
            entries.remove(clientKey, e);
            return null;
        }
        return e.label;
    }

    /** Records (or refreshes) that the client went to the server with {@code label}. */
    public void remember(long clientKey, String label) {
        entries.put(clientKey, new Entry(label, clock.nanoTime() + timeoutNanos));
    }

    /** Forgets every client stuck to the server with {@code label}. */
    public void expire(String label) {
        entries.values().removeIf(e -> e.label.equals(label));
    }

    /** Entries currently held (expired ones may still be counted until looked up). */
    public int size() {
        return entries.size();
    }
}
