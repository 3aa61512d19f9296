package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * Where the packet path writes outgoing frames: a TX ring in production, a buffer in tests and benchmarks. The
 * path claims room, writes the frame in place and commits it, so a forwarded frame is copied exactly once.
 * A super-frame (larger than the TX ring's frames) gets room elsewhere and is sent on its own.
 */
interface FrameSink {

    /** The memory that the offset of the last {@link #claim} points into. */
    MemorySegment segment();

    /**
     * Room for a frame of {@code length} bytes: its offset in {@link #segment()}, or -1 when none is free now. A sink
     * for a path with virtio-net headers reserves {@code VirtioNetHeader.LENGTH} bytes right before the offset,
     * cleared (no offloads) until the path copies the received frame's header there; it sends them with the frame.
     */
    long claim(int length);

    /** Hands the frame written at {@code offset} to the wire. */
    void commit(long offset, int length);

    /**
     * Hands a frame to the wire whose first {@code headLength} bytes were written at {@code offset} and whose rest
     * still lies in {@code tail} (a super-frame's payload in the RX ring): a sink that can gather sends it without
     * copying the payload; this default copies it behind the head first.
     */
    default void commit(long offset, int headLength, MemorySegment tail, long tailOffset, int tailLength) {
        MemorySegment.copy(tail, tailOffset, segment(), offset + headLength, tailLength);
        commit(offset, headLength + tailLength);
    }
}
