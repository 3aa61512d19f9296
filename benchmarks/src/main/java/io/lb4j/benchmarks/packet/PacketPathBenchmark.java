package io.lb4j.benchmarks.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The packet engine's per-frame cost on one core, on frames in memory (no NIC): what one received frame costs from
 * parse to the rewritten copy in the TX slot. Flow tables hold 10,000 (cache-resident) or 1,000,000 live flows;
 * frames visit flows in random order, so the large table pays its cache misses; the batched variants show what the
 * engine loop's batches (flow-table loads started together) recover of them.
 *
 * <pre>
 * mvn -q -pl benchmarks -am package -DskipTests
 * java --enable-native-access=ALL-UNNAMED -jar benchmarks/target/benchmarks.jar 'packet.PacketPathBenchmark' -prof gc
 * </pre>
 *
 * {@code -prof gc} must show ~0 B/op on every benchmark: the packet path allocates nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xms2g", "-Xmx2g"})
public class PacketPathBenchmark {

    static final long NOW = 1_000 * PacketPathHarness.SECOND;
    static final int SYN = 0x02;
    static final int ACK = 0x10;
    static final int RST = 0x04;
    /** Frames per benchmark: every flow of the small table, a random quarter million of the large one. */
    static final int MAX_FRAMES = 1 << 18;
    /** Frames per batch in the batched benchmarks, as the engine loop hands them over. */
    static final int BATCH = 16;

    static VirtualService service(Scheduler scheduler) {
        return VirtualService.directRouting().label("PACS").address("10.0.0.100").ports(104, 80)
                .scheduler(scheduler)
                .real("A", "10.0.1.1").real("B", "10.0.1.2").real("C", "10.0.1.3")
                .fallback("10.0.1.9", f -> f.masquerade(true))
                .healthCheck(HealthCheck.none()).build();
    }

    /**
     * A path with {@code flows} live flows, and a small, cache-hot "RX ring" of {@link #RING} frame slots. Each
     * operation writes the next flow of a random walk (source address, port, header checksum: three stores) into the
     * next slot, as a NIC would have just written it, so the measured misses are the flow table's, not the
     * benchmark's frames'. The walk covers every flow of the small table and a random quarter million of the large.
     */
    @State(Scope.Thread)
    public abstract static class Loaded {
        static final int RING = 64;

        @Param({"10000", "1000000"})
        int flows;

        PacketPathHarness path;
        BenchFrames ring;
        int[] visitAddress;
        int[] visitPorts;
        int[] visitChecksum;
        int next;
        int slot;
        final long[] batchOffsets = new long[BATCH];
        final int[] batchLengths = new int[BATCH];
        final boolean[] batchPartial = new boolean[BATCH];

        abstract boolean failedOver();

        int extraCapacity() {
            return 0;
        }

        boolean flowSync() {
            return false;
        }

        int payload() {
            return 6;
        }

        @Setup(Level.Trial)
        public void load() {
            VirtualService pacs = service(Scheduler.weightedLeastConnections());
            List<Backend> reals = pacs.realServers().stream().map(Backend::of).toList();
            Backend fallback = Backend.of(pacs.fallback().orElseThrow());
            path = new PacketPathHarness(BenchFrames.LB_MAC, BenchFrames.LB_IP, flows + flows / 4 + extraCapacity());
            path.install(new RoutingTable(pacs, 1, failedOver() ? List.of() : reals, fallback, failedOver(), null));
            for (int i = 1; i <= 9; i++) {
                path.neighbour(0x0A_00_01_00 | i, BenchFrames.BACKEND_MAC + i, NOW);
            }
            // Open every flow with a SYN (and its ACK, so it is established) through the path itself.
            BenchFrames setup = new BenchFrames(2, 0);
            for (int i = 0; i < flows; i++) {
                setup.tcp(0, BenchFrames.LB_MAC, BenchFrames.CLIENT_MAC, BenchFrames.client(i), BenchFrames.VIP,
                        BenchFrames.clientPort(i), 104, SYN);
                setup.tcp(1, BenchFrames.LB_MAC, BenchFrames.CLIENT_MAC, BenchFrames.client(i), BenchFrames.VIP,
                        BenchFrames.clientPort(i), 104, ACK);
                path.process(setup.memory, setup.offset(0), setup.length, NOW);
                path.process(setup.memory, setup.offset(1), setup.length, NOW);
            }
            if (path.liveFlows() != flows) {
                throw new IllegalStateException("loaded " + path.liveFlows() + " flows, wanted " + flows);
            }
            if (flowSync()) {
                path.enableFlowSync(1 << 16); // after loading: established flows are then only refreshed
            }
            ring = new BenchFrames(RING, payload());
            java.util.Arrays.fill(batchLengths, ring.length);
            for (int s = 0; s < RING; s++) {
                ring.tcp(s, BenchFrames.LB_MAC, BenchFrames.CLIENT_MAC, BenchFrames.client(0), BenchFrames.VIP,
                        BenchFrames.clientPort(0), 104, ACK);
            }
            int visits = Math.min(flows, MAX_FRAMES);
            visitAddress = new int[visits];
            visitPorts = new int[visits];
            visitChecksum = new int[visits];
            SplittableRandom random = new SplittableRandom(42);
            int[] order = new int[visits];
            for (int i = 0; i < visits; i++) {
                order[i] = visits == flows ? i : random.nextInt(flows);
            }
            for (int i = visits - 1; i > 0; i--) { // a random walk, so lookups do not stream through the table
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            BenchFrames scratch = new BenchFrames(1, payload());
            for (int k = 0; k < visits; k++) {
                int flow = order[k];
                scratch.tcp(0, BenchFrames.LB_MAC, BenchFrames.CLIENT_MAC, BenchFrames.client(flow), BenchFrames.VIP,
                        BenchFrames.clientPort(flow), 104, ACK);
                visitAddress[k] = BenchFrames.client(flow);
                visitPorts[k] = (BenchFrames.clientPort(flow) << 16) | 104;
                visitChecksum[k] = scratch.ipChecksum(0);
            }
        }

        /** Writes the next flow of the walk into the next ring slot; returns the slot's offset. */
        final long nextFrame() {
            int k = next;
            next = k + 1 == visitAddress.length ? 0 : k + 1;
            int s = slot;
            slot = (s + 1) & (RING - 1);
            ring.rewrite(s, visitAddress[k], visitPorts[k], visitChecksum[k]);
            return ring.offset(s);
        }
    }

    /** Established flows forwarded by direct routing (only the MACs change), with flow-state sync off and on. */
    @State(Scope.Thread)
    public static class DirectRouting extends Loaded {
        @Param({"false", "true"})
        boolean sync;

        @Override
        boolean failedOver() {
            return false;
        }

        @Override
        boolean flowSync() {
            return sync;
        }
    }

    /** Established flows NATed to the masquerading fallback (address, port and both checksums change). */
    @State(Scope.Thread)
    public static class Nat extends Loaded {
        @Override
        boolean failedOver() {
            return true; // every flow goes to the masquerading fallback
        }

        @Override
        int payload() {
            return 100; // the checksum update is incremental: its cost must not grow with the payload
        }
    }

    /** New connections: a SYN scheduled by wlc or Maglev into a table already holding {@code flows} flows. */
    @State(Scope.Thread)
    public static class NewFlows extends Loaded {
        static final int TUPLES = 1 << 16;

        @Param({"wlc", "mh"})
        String scheduler;

        BenchFrames syns;
        int nextTuple;

        @Override
        boolean failedOver() {
            return false;
        }

        @Override
        int extraCapacity() {
            return TUPLES;
        }

        @Setup(Level.Trial)
        public void syns() {
            VirtualService pacs = service(Scheduler.named(scheduler));
            List<Backend> reals = pacs.realServers().stream().map(Backend::of).toList();
            path.install(new RoutingTable(pacs, 2, reals, Backend.of(pacs.fallback().orElseThrow()), false, null));
            syns = new BenchFrames(2 * TUPLES, 0);
            for (int t = 0; t < TUPLES; t++) {
                int client = 0x0C_00_00_00 + t;
                syns.tcp(2 * t, BenchFrames.LB_MAC, BenchFrames.CLIENT_MAC, client, BenchFrames.VIP, 40000, 80, SYN);
                syns.tcp(2 * t + 1, BenchFrames.LB_MAC, BenchFrames.CLIENT_MAC, client, BenchFrames.VIP, 40000, 80,
                        RST);
            }
        }
    }

    /**
     * Established IPv6 flows forwarded by direct routing: the same walk over {@code flows} flows as
     * {@link DirectRouting}'s, on TCP over IPv6 (no header checksum; the client address's low 32 bits and the port
     * change per frame).
     */
    @State(Scope.Thread)
    public static class DirectRoutingIpv6 {
        static final int RING = 64;
        static final int LENGTH = 14 + 40 + 20 + 6;
        static final long VIP_HIGH = 0x2001_0db8_0000_0000L;
        static final long VIP_LOW = 0x100;
        static final long CLIENT_HIGH = 0x2001_0db8_0000_0001L;

        @Param({"10000", "1000000"})
        int flows;

        PacketPathHarness path;
        MemorySegment ring;
        int[] visitClient;
        int[] visitPorts;
        int next;
        int slot;

        @Setup(Level.Trial)
        public void load() {
            VirtualService pacs = VirtualService.directRouting().label("PACS").address("2001:db8::100")
                    .ports(104, 80).real("A", "2001:db8::1:1").real("B", "2001:db8::1:2").real("C", "2001:db8::1:3")
                    .fallback("2001:db8::1:9", f -> f.masquerade(true))
                    .healthCheck(HealthCheck.none()).build();
            List<Backend> reals = pacs.realServers().stream().map(Backend::of).toList();
            path = new PacketPathHarness(BenchFrames.LB_MAC, BenchFrames.LB_IP, flows + flows / 4);
            path.install(new RoutingTable(pacs, 1, reals, Backend.of(pacs.fallback().orElseThrow()), false, null));
            for (int i = 1; i <= 9; i++) {
                path.neighbour6(VIP_HIGH, 0x1_0000 | i, BenchFrames.BACKEND_MAC + i, NOW);
            }
            MemorySegment setup = Arena.ofAuto().allocate(LENGTH);
            for (int i = 0; i < flows; i++) {
                write(setup, 0, i, clientPort(i), SYN);
                path.process(setup, 0, LENGTH, NOW);
                write(setup, 0, i, clientPort(i), ACK);
                path.process(setup, 0, LENGTH, NOW);
            }
            if (path.liveFlows() != flows) {
                throw new IllegalStateException("loaded " + path.liveFlows() + " flows, wanted " + flows);
            }
            ring = Arena.ofAuto().allocate((long) RING * 128);
            for (int s = 0; s < RING; s++) {
                write(ring, s * 128L, 0, clientPort(0), ACK);
            }
            int visits = Math.min(flows, MAX_FRAMES);
            visitClient = new int[visits];
            visitPorts = new int[visits];
            SplittableRandom random = new SplittableRandom(42);
            for (int k = 0; k < visits; k++) {
                int flow = random.nextInt(flows);
                visitClient[k] = flow;
                visitPorts[k] = (clientPort(flow) << 16) | 104;
            }
        }

        static int clientPort(int flow) {
            return 1024 + (flow & 0x3FFF);
        }

        /** An untagged TCP/IPv6 frame from client {@code flow} to [VIP]:104. */
        static void write(MemorySegment m, long o, int flow, int port, int flags) {
            m.asSlice(o, LENGTH).fill((byte) 0);
            m.set(BE_LONG, o, BenchFrames.LB_MAC << 16 | BenchFrames.CLIENT_MAC >>> 32);
            m.set(BE_INT, o + 8, (int) BenchFrames.CLIENT_MAC);
            m.set(BE_SHORT, o + 12, (short) 0x86DD);
            long ip = o + 14;
            m.set(BE_INT, ip, 0x6000_0000);
            m.set(BE_SHORT, ip + 4, (short) (LENGTH - 54));
            m.set(ValueLayout.JAVA_BYTE, ip + 6, (byte) 6);
            m.set(ValueLayout.JAVA_BYTE, ip + 7, (byte) 64);
            m.set(BE_LONG, ip + 8, CLIENT_HIGH);
            m.set(BE_LONG, ip + 16, flow >>> 14);
            m.set(BE_LONG, ip + 24, VIP_HIGH);
            m.set(BE_LONG, ip + 32, VIP_LOW);
            long tcp = ip + 40;
            m.set(BE_SHORT, tcp, (short) port);
            m.set(BE_SHORT, tcp + 2, (short) 104);
            m.set(ValueLayout.JAVA_BYTE, tcp + 12, (byte) 0x50);
            m.set(ValueLayout.JAVA_BYTE, tcp + 13, (byte) flags);
        }

        /** Writes the next flow of the walk into the next ring slot (address and ports); returns its offset. */
        final long nextFrame() {
            int k = next;
            next = k + 1 == visitClient.length ? 0 : k + 1;
            int s = slot;
            slot = (s + 1) & (RING - 1);
            long o = s * 128L;
            ring.set(BE_LONG, o + 14 + 16, visitClient[k] >>> 14);
            ring.set(BE_INT, o + 14 + 40, visitPorts[k]);
            return o;
        }
    }

    static final ValueLayout.OfLong BE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Benchmark
    public int establishedDirectRoutingIpv6(DirectRoutingIpv6 s) {
        return s.path.process(s.ring, s.nextFrame(), DirectRoutingIpv6.LENGTH, NOW);
    }

    @Benchmark
    public int establishedDirectRouting(DirectRouting s) {
        return s.path.process(s.ring.memory, s.nextFrame(), s.ring.length, NOW);
    }

    /** The engine loop's way: {@value #BATCH} frames whose flow-table loads start together; reported per frame. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int establishedDirectRoutingBatched(DirectRouting s) {
        return batch(s);
    }

    @Benchmark
    public int establishedNatRewrite(Nat s) {
        return s.path.process(s.ring.memory, s.nextFrame(), s.ring.length, NOW);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int establishedNatRewriteBatched(Nat s) {
        return batch(s);
    }

    private static int batch(Loaded s) {
        long[] offsets = s.batchOffsets;
        for (int b = 0; b < BATCH; b++) {
            offsets[b] = s.nextFrame();
        }
        return s.path.processBatch(s.ring.memory, offsets, s.batchLengths, s.batchPartial, BATCH, NOW);
    }

    /**
     * One new connection: its SYN (a closed flow of the same tuple is removed, the scheduler picks a backend, a flow
     * is inserted, the frame forwarded) and then its RST, which closes it for the next round.
     */
    @Benchmark
    public int newFlowSynAndRst(NewFlows s) {
        int t = s.nextTuple;
        s.nextTuple = t + 1 == NewFlows.TUPLES ? 0 : t + 1;
        BenchFrames f = s.syns;
        return s.path.process(f.memory, f.offset(2 * t), f.length, NOW)
                + s.path.process(f.memory, f.offset(2 * t + 1), f.length, NOW);
    }
}
