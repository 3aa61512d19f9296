package io.lb4j.engine.packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The engine's own neighbour cache: IPv4 (ARP) and IPv6 (NDP) address to MAC, for the real servers and fallbacks it
 * forwards to. A fixed-size open-addressing table (linear probing, at most {@value #PROBE_LIMIT} slots per address)
 * that never deletes. Addresses are 128-bit keys: an IPv6 address as two longs, an IPv4 address as its IPv4-mapped
 * IPv6 form ({@code ::ffff:a.b.c.d}, RFC 4291 2.5.5.2), so both families share one table and one set of defences;
 * the {@code int} methods are the IPv4 spellings of the {@code (high, low)} ones.
 *
 * <p>What it learns, and from whom:
 * <ul>
 *   <li>An entry exists only for an address the engine itself wants resolved ({@link #resolve}: the backends of
 *       installed services) or that was configured statically ({@link #putStatic}). ARP or NDP traffic never
 *       creates one, so a flood of requests or replies from random senders cannot fill the table or push a backend out.</li>
 *   <li>A MAC is learned only from an ARP reply (or a solicited Neighbour Advertisement) to the engine's own
 *       request: the reply's sender is an address with a request outstanding (sent within the retry interval and not
 *       answered yet) and it is addressed to the engine's MAC ({@link #learn}). ARP requests, Neighbour
 *       Solicitations, unsolicited replies and advertisements and replies that come after the first answer
 *       change nothing: otherwise "who-has VIP tell &lt;backend&gt;" from any MAC would redirect new flows to it.</li>
 *   <li>A resolved entry is re-requested once it is older than the reachable time; until a reply comes its last MAC
 *       stays in use (like Linux's STALE state), so traffic does not stop every timeout.</li>
 *   <li>A static entry is used as configured: never requested, never overwritten, never reused.</li>
 *   <li>When the probe run of a new address is full, the new address takes over the entry in it that the engine has
 *       not wanted for the longest time, provided that is at least the reachable time (a backend no installed
 *       service has any more); otherwise {@link #resolve} says {@link #TABLE_FULL} and no entry in use is lost.</li>
 * </ul>
 *
 * <p>Threading: one thread, the owner (the packet thread that runs {@code tick} and the ARP path), calls every method
 * but {@link #lookup} (static entries may also be put before the owner starts: starting it publishes them); any
 * number of other threads may call {@link #lookup} at the same time. Each slot
 * carries a sequence number (a seqlock): the owner makes it odd, writes the address and MAC, and makes it even again
 * with release semantics; a reader retries while it is odd or changed under it, so it never sees one address with
 * another address's MAC. {@link #lookup} is lock-free for readers and allocation-free.
 */
final class NeighbourTable {

    /** The MAC of an address that is not resolved (yet); never a real MAC, which has 48 bits. */
    static final long UNKNOWN = -1;

    /** {@link #resolve}: nothing to send (resolved and fresh, static, or a request went out recently). */
    static final int NO_REQUEST = 0;
    /** {@link #resolve}: send an ARP request for the address now (the request time is recorded already). */
    static final int SEND_REQUEST = 1;
    /** {@link #resolve}: the address has no entry and no room for one without losing an entry in use. */
    static final int TABLE_FULL = 2;

    /** {@link #learn}: the reply answered the engine's outstanding request; its MAC is in use now. */
    static final int LEARNED = 0;
    /** {@link #learn}: the sender is a neighbour, but the engine did not ask (or was answered already): ignored. */
    static final int UNSOLICITED = 1;
    /** {@link #learn}: the sender is not a neighbour of the engine: ignored. */
    static final int STRANGER = 2;

    private static final int PROBE_LIMIT = 16;
    private static final byte STATIC = 1;
    private static final byte OUTSTANDING = 2;   // a request went out and was not answered yet
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int mask;
    // Read by any thread under the seqlock, written by the owner only.
    private final int[] sequence;        // 0: never used; odd: being written; even: stable
    private final long[] high;          // the address's upper 64 bits (0 for IPv4-mapped)
    private final long[] low;
    private final long[] mac;            // UNKNOWN while the first request is outstanding
    // The owner's alone.
    private final long[] confirmedAt;
    private final long[] requestedAt;
    private final long[] wantedAt;       // the last resolve() for the address
    private final byte[] flags;
    private final long reachableNanos;
    private final long retryNanos;
    private int size;

    /**
     * @param slots          a power of two
     * @param reachableNanos how long a confirmed MAC counts as fresh before it is re-requested; also how long an
     *                       entry must have gone unwanted before a new address may take its slot
     * @param retryNanos     the least time between two requests for the same address, and how long a request waits
     *                       for its reply
     */
    NeighbourTable(int slots, long reachableNanos, long retryNanos) {
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots: " + slots + " (expected: a power of two)");
        }
        this.mask = slots - 1;
        this.sequence = new int[slots];
        this.high = new long[slots];
        this.low = new long[slots];
        this.mac = new long[slots];
        this.confirmedAt = new long[slots];
        this.requestedAt = new long[slots];
        this.wantedAt = new long[slots];
        this.flags = new byte[slots];
        this.reachableNanos = reachableNanos;
        this.retryNanos = retryNanos;
    }

    /** The upper 64 bits of an IPv4-mapped IPv6 address. */
    static final long MAPPED_HIGH = 0;

    /** The lower 64 bits of the IPv4-mapped IPv6 address of {@code ip}: {@code ::ffff:ip}. */
    static long mappedLow(int ip) {
        return 0x0000_FFFF_0000_0000L | (ip & 0xFFFF_FFFFL);
    }

    private static int hash(long high, long low) {
        long h = (high * 0x9E37_79B9_7F4A_7C15L) ^ (low * 0xC2B2_AE3D_27D4_EB4FL);
        h ^= h >>> 29;
        return (int) (h ^ (h >>> 32));
    }

    private static String toString(long high, long low) {
        return high == MAPPED_HIGH && (low >>> 32) == 0xFFFF ? Bytes.ipv4ToString((int) low)
                : Bytes.ipv6ToString(high, low);
    }

    // ------------------------------------------------------------------ any thread

    /**
     * The MAC for {@code ip}, or {@link #UNKNOWN}; a stale MAC is returned too while its refresh is outstanding. Safe
     * to call from any thread while the owner writes: the MAC returned was {@code ip}'s at some instant during the
     * call.
     */
    long lookup(int ip) {
        return lookup(MAPPED_HIGH, mappedLow(ip));
    }

    /** {@link #lookup(int)} for an IPv6 address. */
    long lookup(long ipHigh, long ipLow) {
        int i = hash(ipHigh, ipLow) & mask;
        for (int k = 0; k < PROBE_LIMIT; k++) {
            while (true) {
                int s = (int) INTS.getAcquire(sequence, i);
                if (s == 0) {
                    return UNKNOWN; // an empty slot ends the probe run: slots are never emptied
                }
                if ((s & 1) != 0) {
                    Thread.onSpinWait(); // the owner is between two stores
                    continue;
                }
                long h = (long) LONGS.getOpaque(high, i);
                long l = (long) LONGS.getOpaque(low, i);
                long m = (long) LONGS.getOpaque(mac, i);
                VarHandle.loadLoadFence(); // both values are read before the sequence is checked again
                if ((int) INTS.getOpaque(sequence, i) != s) {
                    continue;
                }
                if (h == ipHigh && l == ipLow) {
                    return m;
                }
                break;
            }
            i = (i + 1) & mask;
        }
        return UNKNOWN;
    }

    // ------------------------------------------------------------------ the owner

    private int slotOf(long ipHigh, long ipLow) {
        int i = hash(ipHigh, ipLow) & mask;
        for (int k = 0; k < PROBE_LIMIT; k++) {
            if (sequence[i] == 0) {
                return -1;
            }
            if (high[i] == ipHigh && low[i] == ipLow) {
                return i;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }

    // The seqlock's write side: readers see either the old pair or the new one, never a mix.
    private void write(int i, long ipHigh, long ipLow, long macAddress) {
        int s = sequence[i];
        INTS.setOpaque(sequence, i, s + 1);
        VarHandle.storeStoreFence(); // the odd sequence is visible before either value changes
        LONGS.setOpaque(high, i, ipHigh);
        LONGS.setOpaque(low, i, ipLow);
        LONGS.setOpaque(mac, i, macAddress);
        int next = s + 2;
        INTS.setRelease(sequence, i, next == 0 ? 2 : next); // 0 means never used; a wrap skips it
    }

    /**
     * Says whether to send an ARP request for {@code ip} now, creating its entry if it has none: a request is due
     * when the address is unknown or stale and no request went out within the retry interval; it records the request
     * as sent, so callers just send. Marks the address as wanted (see the class comment on reuse).
     *
     * @return {@link #SEND_REQUEST}, {@link #NO_REQUEST} or {@link #TABLE_FULL}
     */
    int resolve(int ip, long now) {
        return resolve(MAPPED_HIGH, mappedLow(ip), now);
    }

    /** {@link #resolve(int, long)} for an IPv6 address: says whether to send a Neighbour Solicitation. */
    int resolve(long ipHigh, long ipLow, long now) {
        int i = slotOf(ipHigh, ipLow);
        if (i < 0) {
            i = claim(ipHigh, ipLow, UNKNOWN, now);
            if (i < 0) {
                return TABLE_FULL;
            }
            requested(i, now);
            return SEND_REQUEST;
        }
        wantedAt[i] = now;
        if ((flags[i] & STATIC) != 0) {
            return NO_REQUEST;
        }
        boolean fresh = mac[i] != UNKNOWN && now - confirmedAt[i] < reachableNanos;
        if (fresh || now - requestedAt[i] < retryNanos) {
            return NO_REQUEST;
        }
        requested(i, now);
        return SEND_REQUEST;
    }

    private void requested(int i, long now) {
        requestedAt[i] = now;
        flags[i] |= OUTSTANDING;
    }

    /**
     * Takes an ARP reply from {@code ip} at {@code macAddress} into account: learned only when it answers the
     * engine's outstanding request for {@code ip} (sent within the retry interval, not answered yet) and is
     * {@code addressedToUs} (its target MAC is the engine's). The first such answer closes the request.
     *
     * @return {@link #LEARNED}, {@link #UNSOLICITED} or {@link #STRANGER}
     */
    int learn(int ip, long macAddress, boolean addressedToUs, long now) {
        return learn(MAPPED_HIGH, mappedLow(ip), macAddress, addressedToUs, now);
    }

    /**
     * {@link #learn(int, long, boolean, long)} for an IPv6 address: a Neighbour Advertisement with the Solicited flag,
     * sent to the engine's MAC, from the target of an outstanding solicitation.
     */
    int learn(long ipHigh, long ipLow, long macAddress, boolean addressedToUs, long now) {
        int i = slotOf(ipHigh, ipLow);
        if (i < 0) {
            return STRANGER;
        }
        if (!addressedToUs || (flags[i] & (STATIC | OUTSTANDING)) != OUTSTANDING
                || now - requestedAt[i] >= retryNanos) {
            return UNSOLICITED;
        }
        flags[i] &= ~OUTSTANDING;
        if (mac[i] != macAddress) {
            write(i, ipHigh, ipLow, macAddress);
        }
        confirmedAt[i] = now;
        return LEARNED;
    }

    /**
     * Records {@code ip} at {@code macAddress}, confirmed now, as an answered request would (set-up in tests and
     * benchmarks; the packet path learns through {@link #learn} only). Does not change a static entry.
     *
     * @throws IllegalStateException when the address has no entry and there is no room for one
     */
    void confirm(int ip, long macAddress, long now) {
        confirm(MAPPED_HIGH, mappedLow(ip), macAddress, now);
    }

    /** {@link #confirm(int, long, long)} for an IPv6 address. */
    void confirm(long ipHigh, long ipLow, long macAddress, long now) {
        int i = slotOf(ipHigh, ipLow);
        if (i < 0) {
            i = claim(ipHigh, ipLow, macAddress, now);
            if (i < 0) {
                throw new IllegalStateException("neighbour table: no room for " + toString(ipHigh, ipLow));
            }
        } else if ((flags[i] & STATIC) != 0) {
            return;
        } else if (mac[i] != macAddress) {
            write(i, ipHigh, ipLow, macAddress);
        }
        wantedAt[i] = now;
        confirmedAt[i] = now;
        requestedAt[i] = now - retryNanos;
        flags[i] &= ~OUTSTANDING;
    }

    /**
     * Configures {@code ip} at {@code macAddress} for good: never requested, never overwritten by ARP, never
     * reused for another address. Replaces a learned entry for the same address.
     *
     * @throws IllegalStateException when there is no room for it
     */
    void putStatic(int ip, long macAddress) {
        putStatic(MAPPED_HIGH, mappedLow(ip), macAddress);
    }

    /** {@link #putStatic(int, long)} for an IPv6 address. */
    void putStatic(long ipHigh, long ipLow, long macAddress) {
        int i = slotOf(ipHigh, ipLow);
        if (i < 0) {
            i = claim(ipHigh, ipLow, macAddress, 0);
            if (i < 0) {
                throw new IllegalStateException("neighbour table: no room for static neighbour "
                        + toString(ipHigh, ipLow) + " (more than " + PROBE_LIMIT + " addresses collide)");
            }
        } else if (mac[i] != macAddress) {
            write(i, ipHigh, ipLow, macAddress);
        }
        flags[i] = STATIC;
    }

    // A slot for a new address: a never-used one in its probe run, else the entry unwanted for longest if that is
    // at least the reachable time (never a static one); -1 when there is none, rather than take an entry in use.
    private int claim(long ipHigh, long ipLow, long macAddress, long now) {
        int i = hash(ipHigh, ipLow) & mask;
        int reusable = -1;
        for (int k = 0; k < PROBE_LIMIT; k++) {
            if (sequence[i] == 0) {
                size++;
                return take(i, ipHigh, ipLow, macAddress, now);
            }
            if ((flags[i] & STATIC) == 0 && now - wantedAt[i] >= reachableNanos
                    && (reusable < 0 || wantedAt[i] - wantedAt[reusable] < 0)) {
                reusable = i;
            }
            i = (i + 1) & mask;
        }
        return reusable < 0 ? -1 : take(reusable, ipHigh, ipLow, macAddress, now);
    }

    private int take(int i, long ipHigh, long ipLow, long macAddress, long now) {
        write(i, ipHigh, ipLow, macAddress);
        flags[i] = 0;
        confirmedAt[i] = now;
        requestedAt[i] = now - retryNanos;
        wantedAt[i] = now;
        return i;
    }

    /** Whether {@code ip} is configured statically. */
    boolean isStatic(int ip) {
        int i = slotOf(MAPPED_HIGH, mappedLow(ip));
        return i >= 0 && (flags[i] & STATIC) != 0;
    }

    /** Addresses with an entry (resolved, pending or static). */
    int size() {
        return size;
    }
}
