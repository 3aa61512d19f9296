package io.lb4j.benchmarks.packet;

import io.lb4j.api.spi.RoutingTable;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Drives lb4j's package-private packet path ({@code io.lb4j.engine.packet.PacketPath}) without a NIC, so the
 * benchmarks measure exactly the per-frame work the engine's loop does on its ring. The path stays out of the
 * public API; on the class path its package is open to this (unnamed) module, so the harness builds it through
 * {@link MethodHandles#privateLookupIn} and calls it through {@code static final} method handles, which the JIT
 * inlines like a direct call.
 */
final class PacketPathHarness {

    private static final MethodHandle NEW_FLOW_TABLE;
    private static final MethodHandle NEW_NEIGHBOURS;
    private static final MethodHandle NEW_PATH;
    private static final MethodHandle NEW_SINK;
    private static final MethodHandle INSTALL;
    private static final MethodHandle CONFIRM;
    private static final MethodHandle CONFIRM6;
    private static final MethodHandle PROCESS;
    private static final MethodHandle PROCESS_BATCH;
    private static final MethodHandle FLOWS;
    private static final MethodHandle SIZE;
    private static final MethodHandle COMMITTED;
    private static final MethodHandle NEW_JOURNAL;
    private static final MethodHandle SET_JOURNAL;

    static {
        try {
            ClassLoader loader = PacketPathHarness.class.getClassLoader();
            Class<?> path = Class.forName("io.lb4j.engine.packet.PacketPath", true, loader);
            Class<?> flows = Class.forName("io.lb4j.engine.packet.FlowTable", true, loader);
            Class<?> neighbours = Class.forName("io.lb4j.engine.packet.NeighbourTable", true, loader);
            Class<?> sink = Class.forName("io.lb4j.engine.packet.SegmentSink", true, loader);
            Class<?> sinkType = Class.forName("io.lb4j.engine.packet.FrameSink", true, loader);
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(path, MethodHandles.lookup());
            NEW_FLOW_TABLE = l.findConstructor(flows, MethodType.methodType(void.class, int.class, long.class,
                    long.class, long.class, long.class, long.class)).asType(MethodType.methodType(Object.class,
                    int.class, long.class, long.class, long.class, long.class, long.class));
            NEW_NEIGHBOURS = l.findConstructor(neighbours, MethodType.methodType(void.class, int.class, long.class,
                    long.class)).asType(MethodType.methodType(Object.class, int.class, long.class, long.class));
            NEW_PATH = l.findConstructor(path, MethodType.methodType(void.class, long.class, int.class, int.class,
                    flows, neighbours)).asType(MethodType.methodType(Object.class, long.class, int.class, int.class,
                    Object.class, Object.class));
            NEW_SINK = l.findConstructor(sink, MethodType.methodType(void.class, int.class, int.class))
                    .asType(MethodType.methodType(Object.class, int.class, int.class));
            INSTALL = l.findVirtual(path, "install", MethodType.methodType(int.class, RoutingTable.class))
                    .asType(MethodType.methodType(int.class, Object.class, RoutingTable.class));
            CONFIRM = l.findVirtual(neighbours, "confirm", MethodType.methodType(void.class, int.class, long.class,
                    long.class)).asType(MethodType.methodType(void.class, Object.class, int.class, long.class,
                    long.class));
            CONFIRM6 = l.findVirtual(neighbours, "confirm", MethodType.methodType(void.class, long.class, long.class,
                    long.class, long.class)).asType(MethodType.methodType(void.class, Object.class, long.class,
                    long.class, long.class, long.class));
            PROCESS = l.findVirtual(path, "process", MethodType.methodType(int.class, MemorySegment.class, long.class,
                    int.class, boolean.class, long.class, sinkType)).asType(MethodType.methodType(int.class,
                    Object.class, MemorySegment.class, long.class, int.class, boolean.class, long.class, Object.class));
            PROCESS_BATCH = l.findVirtual(path, "processBatch", MethodType.methodType(int.class, MemorySegment.class,
                    long[].class, int[].class, boolean[].class, int.class, long.class, sinkType))
                    .asType(MethodType.methodType(int.class, Object.class, MemorySegment.class, long[].class,
                            int[].class, boolean[].class, int.class, long.class, Object.class));
            FLOWS = l.findVirtual(path, "flows", MethodType.methodType(flows))
                    .asType(MethodType.methodType(Object.class, Object.class));
            SIZE = l.findVirtual(flows, "size", MethodType.methodType(int.class))
                    .asType(MethodType.methodType(int.class, Object.class));
            COMMITTED = l.findVirtual(sink, "committed", MethodType.methodType(long.class))
                    .asType(MethodType.methodType(long.class, Object.class));
            Class<?> journal = Class.forName("io.lb4j.engine.packet.FlowJournal", true, loader);
            NEW_JOURNAL = l.findConstructor(journal, MethodType.methodType(void.class, int.class))
                    .asType(MethodType.methodType(Object.class, int.class));
            SET_JOURNAL = l.findVirtual(flows, "journal", MethodType.methodType(void.class, journal))
                    .asType(MethodType.methodType(void.class, Object.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final long SECOND = 1_000_000_000L;

    final Object path;
    final Object sink;
    private final Object neighbours;

    /** A path with a flow table of {@code capacity} and IPVS's default timeouts. */
    PacketPathHarness(long ownMac, int ownIp, int capacity) {
        try {
            Object flows = NEW_FLOW_TABLE.invokeExact(capacity, 60 * SECOND, 900 * SECOND, 120 * SECOND,
                    10 * SECOND, 300 * SECOND);
            neighbours = NEW_NEIGHBOURS.invokeExact(1024, 3600 * SECOND, SECOND);
            path = NEW_PATH.invokeExact(ownMac, ownIp, 1500, flows, neighbours);
            sink = NEW_SINK.invokeExact(2048, 256);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void install(RoutingTable table) {
        try {
            int purgeIgnored = (int) INSTALL.invokeExact(path, table); // a first install purges nothing
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void neighbour(int ip, long mac, long now) {
        try {
            CONFIRM.invokeExact(neighbours, ip, mac, now);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Confirms an IPv6 neighbour, given as the two halves of its address. */
    void neighbour6(long high, long low, long mac, long now) {
        try {
            CONFIRM6.invokeExact(neighbours, high, low, mac, now);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** One frame through the path: the benchmarked call. */
    int process(MemorySegment frames, long offset, int length, long now) {
        try {
            return (int) PROCESS.invokeExact(path, frames, offset, length, false, now, sink);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Up to 32 frames through the path, their flow-table loads started together: the engine loop's call. */
    int processBatch(MemorySegment frames, long[] offsets, int[] lengths, boolean[] partial, int count, long now) {
        try {
            return (int) PROCESS_BATCH.invokeExact(path, frames, offsets, lengths, partial, count, now, sink);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Turns flow-state sync on, as {@code HaPair.packetEngine(..)} does through the engine's pair hooks. */
    void enableFlowSync(int journalCapacity) {
        try {
            SET_JOURNAL.invokeExact(FLOWS.invokeExact(path), NEW_JOURNAL.invokeExact(journalCapacity));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    int liveFlows() {
        try {
            return (int) SIZE.invokeExact(FLOWS.invokeExact(path));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    long framesSent() {
        try {
            return (long) COMMITTED.invokeExact(sink);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
