package io.lb4j.engine.packet;

/**
 * The engine's own ARP cache: IPv4 address to MAC, with expiry, for the real servers and fallbacks it forwards to.
 * A fixed-size open-addressing table (linear probing) that never deletes: an expired entry keeps its MAC and is
 * still used while a refresh request is out (like Linux's STALE state), so traffic does not stop every timeout.
 * When the table is full, a new address takes over the least recently confirmed entry of its probe run.
 *
 * <p>Not thread-safe: owned by the packet-processing thread.
 */
final class NeighbourTable {

    static final long UNKNOWN = -1;

    private static final int PROBE_LIMIT = 16;

    private final int mask;
    private final int[] address;
    private final long[] mac;            // UNKNOWN while a request is outstanding
    private final long[] confirmedAt;
    private final long[] requestedAt;
    private final boolean[] used;
    private final long reachableNanos;
    private final long retryNanos;
    private int size;

    /**
     * @param slots          a power of two
     * @param reachableNanos how long a confirmed MAC counts as fresh before it is re-requested
     * @param retryNanos     the least time between two requests for the same address
     */
    NeighbourTable(int slots, long reachableNanos, long retryNanos) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots: " + slots + " (expected: a power of two)");
        }
        this.mask = slots - 1;
        this.address = new int[slots];
        this.mac = new long[slots];
        this.confirmedAt = new long[slots];
        this.requestedAt = new long[slots];
        this.used = new boolean[slots];
        this.reachableNanos = reachableNanos;
        this.retryNanos = retryNanos;
    }

    private static int hash(int ip) {
        int h = ip * 0x9E3779B1;
        return h ^ (h >>> 16);
    }

    private int slotOf(int ip) {
        int i = hash(ip) & mask;
        for (int k = 0; k < PROBE_LIMIT; k++) {
            if (!used[i]) {
                return -1;
            }
            if (address[i] == ip) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    /** The MAC for {@code ip}, or {@link #UNKNOWN}; a stale MAC is returned too (see {@link #needsRequest}). */
    long lookup(int ip) {
        int i = slotOf(ip);
        return i < 0 ? UNKNOWN : mac[i];
    }

    /**
     * Whether the engine should send an ARP request for {@code ip} now: it is unknown or stale and no request went
     * out within the retry interval. Records the request time when it returns true, so callers just send.
     */
    boolean needsRequest(int ip, long now) {
        int i = slotOf(ip);
        if (i < 0) {
            i = claim(ip);
            mac[i] = UNKNOWN;
            confirmedAt[i] = now;
            requestedAt[i] = now;
            return true;
        }
        boolean fresh = mac[i] != UNKNOWN && now - confirmedAt[i] < reachableNanos;
        if (fresh || now - requestedAt[i] < retryNanos) {
            return false;
        }
        requestedAt[i] = now;
        return true;
    }

    /** Whether an entry (resolved or pending) exists for {@code ip}: ARP gleaning only updates known entries. */
    boolean known(int ip) {
        return slotOf(ip) >= 0;
    }

    /** Records {@code ip} at {@code macAddress}, confirmed now. */
    void confirm(int ip, long macAddress, long now) {
        int i = slotOf(ip);
        if (i < 0) {
            i = claim(ip);
            requestedAt[i] = now - retryNanos;
        }
        mac[i] = macAddress;
        confirmedAt[i] = now;
    }

    private int claim(int ip) {
        int home = hash(ip) & mask;
        int i = home;
        int oldest = home;
        for (int k = 0; k < PROBE_LIMIT; k++) {
            if (!used[i]) {
                used[i] = true;
                address[i] = ip;
                size++;
                return i;
            }
            if (confirmedAt[i] - confirmedAt[oldest] < 0) {
                oldest = i;
            }
            i = (i + 1) & mask;
        }
        address[oldest] = ip; // full probe run: reuse its least recently confirmed entry
        return oldest;
    }

    int size() {
        return size;
    }
}
