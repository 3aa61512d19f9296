package io.lb4j.engine.packet;

import java.lang.foreign.MemorySegment;

/**
 * Where the packet path writes outgoing frames: a TX ring in production, a buffer in tests and benchmarks. The
 * path claims room, writes the frame in place and commits it, so a forwarded frame is copied exactly once.
 */
interface FrameSink {

    /** The memory that claimed offsets point into. */
    MemorySegment segment();

    /** Room for a frame of {@code length} bytes: its offset in {@link #segment()}, or -1 when none is free now. */
    long claim(int length);

    /** Hands the frame written at {@code offset} to the wire. */
    void commit(long offset, int length);
}
