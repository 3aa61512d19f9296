package io.lb4j.engine.proxy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * The native memory of {@link UringRelay}s on one event loop: per pair, room for a socket address and one buffer per
 * direction, {@link #DIRECTION_BYTES} each as HAProxy's default {@code tune.bufsize}; and, for a direction that fills
 * its buffer (a transfer rather than a dialogue: an image, not an echo), a {@link #BULK_BYTES} buffer for the rest of
 * the connection, so a megabyte takes 16 receives and sends rather than 64. Pairs that end give theirs back for the
 * next; up to {@link #KEPT} of each size are kept, the rest freed by the garbage collector.
 *
 * <p>Confined to the loop.
 */
final class UringBuffers {

    /** Bytes held per direction: what a side may have in flight to the other before it is read no more. */
    static final int DIRECTION_BYTES = 16 * 1024;
    /** Offset of the first buffer; the socket address of the connect comes before it. */
    static final int FIRST_BUFFER = 64;
    /** The buffer of a direction that filled its first one. */
    static final int BULK_BYTES = 64 * 1024;
    static final int KEPT = 1024;
    private static final int SIZE = FIRST_BUFFER + 2 * DIRECTION_BYTES;

    private final ArrayDeque<MemorySegment> free = new ArrayDeque<>();
    private final ArrayDeque<MemorySegment> freeBulk = new ArrayDeque<>();

    MemorySegment take() {
        MemorySegment m = free.poll();
        return m != null ? m : Arena.ofAuto().allocate(SIZE, 64);
    }

    void give(MemorySegment m) {
        if (free.size() < KEPT) {
            free.push(m);
        }
    }

    MemorySegment takeBulk() {
        MemorySegment m = freeBulk.poll();
        return m != null ? m : Arena.ofAuto().allocate(BULK_BYTES, 64);
    }

    void giveBulk(MemorySegment m) {
        if (freeBulk.size() < KEPT) {
            freeBulk.push(m);
        }
    }
}
