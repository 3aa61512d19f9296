package io.lb4j.engine.packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The flow table's outbox for flow-state sync: a bounded single-producer single-consumer ring of fixed-size
 * entries, written by the packet thread without allocating or blocking and drained by one sync thread. A full ring
 * drops the new entry and counts it; the packet thread's periodic refresh of every live flow sends it again later,
 * so a burst can delay a flow's sync but never wedge the packet path.
 *
 * <p>An entry is {@value #WORDS} longs: kind, protocol, state, NAT and service id; client and VIP address; client
 * port, VIP port and backend port; backend address; client MAC.
 */
final class FlowJournal {

    static final int KIND_UPSERT = 1;
    static final int KIND_REMOVE = 2;
    static final int WORDS = 5;

    private static final VarHandle LONG = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] ring;
    private final int mask;
    // head: next entry the producer writes; tail: next entry the consumer reads. Each is written by one thread
    // and read by the other with acquire/release, the Lamport queue.
    private final long[] cursors = new long[16]; // head at 0, tail at 8: one cache line apart
    private long dropped;

    FlowJournal(int capacity) {
        if (Integer.bitCount(capacity) != 1 || capacity < 2) {
            throw new IllegalArgumentException("journal capacity: " + capacity + " (expected: a power of two >= 2)");
        }
        ring = new long[capacity * WORDS];
        mask = capacity - 1;
    }

    int capacity() {
        return mask + 1;
    }

    /** Free entries now, as the producer sees it (any thread; exact on the packet thread). */
    int free() {
        return (int) (mask + 1 - ((long) LONG.getAcquire(cursors, 0) - (long) LONG.getAcquire(cursors, 8)));
    }

    /** Entries the ring had no room for, since start (read from any thread). */
    long dropped() {
        return (long) LONG.getOpaque(cursors, 4);
    }

    /** Appends one entry (packet thread only); false, counted, when the ring is full. */
    boolean append(int kind, int protocol, int state, boolean nat, int serviceId, int client, int clientPort,
                   int vip, int vipPort, int backend, int backendPort, long clientMac) {
        long head = cursors[0];
        long tail = (long) LONG.getAcquire(cursors, 8);
        if (head - tail > mask) {
            dropped++;
            LONG.setOpaque(cursors, 4, dropped);
            return false;
        }
        int o = (int) (head & mask) * WORDS;
        ring[o] = (long) kind << 56 | (long) protocol << 48 | (long) state << 40 | (nat ? 1L << 32 : 0)
                | (serviceId & 0xFFFF_FFFFL);
        ring[o + 1] = (long) client << 32 | (vip & 0xFFFF_FFFFL);
        ring[o + 2] = (long) clientPort << 32 | (long) vipPort << 16 | backendPort;
        ring[o + 3] = backend & 0xFFFF_FFFFL;
        ring[o + 4] = clientMac;
        LONG.setRelease(cursors, 0, head + 1);
        return true;
    }

    /** Receives the fields of one drained entry. */
    interface Reader {
        void entry(int kind, int protocol, int state, boolean nat, int serviceId, int client, int clientPort, int vip,
                   int vipPort, int backend, int backendPort, long clientMac);
    }

    /** Hands up to {@code max} entries to {@code reader}, oldest first (the consumer thread only); returns how many. */
    int drain(Reader reader, int max) {
        long tail = cursors[8];
        long head = (long) LONG.getAcquire(cursors, 0);
        int n = (int) Math.min(max, head - tail);
        for (int k = 0; k < n; k++) {
            int o = (int) ((tail + k) & mask) * WORDS;
            long w0 = ring[o];
            long w1 = ring[o + 1];
            long w2 = ring[o + 2];
            reader.entry((int) (w0 >>> 56), (int) (w0 >>> 48) & 0xFF, (int) (w0 >>> 40) & 0xFF,
                    ((w0 >>> 32) & 1) != 0, (int) w0, (int) (w1 >>> 32), (int) (w2 >>> 32) & 0xFFFF, (int) w1,
                    (int) (w2 >>> 16) & 0xFFFF, (int) ring[o + 3], (int) w2 & 0xFFFF, ring[o + 4]);
        }
        LONG.setRelease(cursors, 8, tail + n);
        return n;
    }
}
