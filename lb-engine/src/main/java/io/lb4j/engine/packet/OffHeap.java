package io.lb4j.engine.packet;

import io.lb4j.linux.Libc;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.NativeAccess;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Zeroed off-heap memory for the engine's tables, freed when unreachable. Large tables (2 MiB and up) are mapped
 * with transparent huge pages where the kernel allows: a flow table probed at random otherwise takes a TLB miss per
 * packet, which measured as the larger part of a lookup in a million-flow table on a virtual machine.
 */
final class OffHeap {

    private static final long HUGE_THRESHOLD = 2L << 20;
    // Checked without touching Libc, whose initialisation links native calls (refused without native access). The
    // native calls are Libc's, so it is io.lb4j.linux that needs native access, not this module.
    private static final boolean CAN_MAP = System.getProperty("os.name", "").startsWith("Linux")
            && NativeAccess.enabled();

    private OffHeap() {
    }

    static MemorySegment allocate(long bytes, String what) {
        if (bytes >= HUGE_THRESHOLD && CAN_MAP) {
            try {
                return Libc.allocateHuge(bytes, what);
            } catch (LinuxException | RuntimeException e) {
                // Fall back to ordinary pages below.
            }
        }
        return Arena.ofAuto().allocate(bytes, 64);
    }
}
