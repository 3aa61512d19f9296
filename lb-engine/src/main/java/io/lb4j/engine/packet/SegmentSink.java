package io.lb4j.engine.packet;

import io.lb4j.linux.VirtioNetHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@link FrameSink} over plain memory: fixed-size slots reused round robin, each commit counted and then
 * forgotten. What the packet path writes into when there is no wire: the JMH benchmarks (which reach it by
 * reflection, so it stays out of the public API) and tests that only count.
 */
final class SegmentSink implements FrameSink {

    private final MemorySegment slots;
    private final int slotSize;
    private final int slotCount;
    private final int reserve;
    private int next;
    private long committed;
    private long bytes;

    /** Slots without a virtio-net header. */
    SegmentSink(int slotSize, int slotCount) {
        this(slotSize, slotCount, false);
    }

    /** Slots with room for a virtio-net header before each frame when {@code vnetHeaders}. */
    SegmentSink(int slotSize, int slotCount, boolean vnetHeaders) {
        this.slotSize = slotSize;
        this.slotCount = slotCount;
        this.reserve = vnetHeaders ? VirtioNetHeader.LENGTH : 0;
        this.slots = Arena.ofAuto().allocate((long) slotSize * slotCount, 64);
    }

    @Override
    public MemorySegment segment() {
        return slots;
    }

    @Override
    public long claim(int length) {
        if (length + reserve > slotSize) {
            return -1;
        }
        long offset = (long) next * slotSize + reserve;
        next = next + 1 == slotCount ? 0 : next + 1;
        if (reserve != 0) {
            VirtioNetHeader.clear(slots, offset - reserve);
        }
        return offset;
    }

    @Override
    public void commit(long offset, int length) {
        committed++;
        bytes += length;
    }

    long committed() {
        return committed;
    }

    long bytes() {
        return bytes;
    }
}
