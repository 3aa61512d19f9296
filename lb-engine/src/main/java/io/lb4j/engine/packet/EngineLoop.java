package io.lb4j.engine.packet;

import io.lb4j.api.spi.TaskClock;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.PacketSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.lb4j.linux.VirtioNetHeader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The packet engine's one thread: receives a batch of RX blocks, runs their frames through the {@link PacketPath}
 * straight out of the ring, {@value PacketPath#BATCH} at a time, flushes the TX ring once per batch of blocks, and
 * between batches runs control-plane commands (flow purges) and timer work. Sleeps in {@code poll} when idle.
 * Super-frames that do not fit the TX ring are written to a buffer of their own and sent one by one
 * ({@link PacketSocket#sendLarge}).
 */
final class EngineLoop implements Runnable, PacketSocket.FrameHandler, FrameSink {

    private static final Logger LOG = LoggerFactory.getLogger(EngineLoop.class);
    private static final int POLL_MILLIS = 10;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int BLOCKS_PER_BATCH = 64;

    private final PacketSocket socket;
    private final PacketPath path;
    private final TaskClock clock;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    private volatile int liveFlows;
    private volatile Throwable failure;
    private long now;
    private final long[] batchOffsets = new long[PacketPath.BATCH];
    private final int[] batchLengths = new int[PacketPath.BATCH];
    private final boolean[] batchPartial = new boolean[PacketPath.BATCH];
    private MemorySegment batchRing;
    private int batched;
    private long warnedOversize;
    private long warnedVlan;
    private long warnedTxFull;
    private long warnedRefused;
    private final Arena largeArena = Arena.ofShared();
    private final MemorySegment large;
    private boolean largeClaimed;

    EngineLoop(PacketSocket socket, PacketPath path, TaskClock clock) {
        this.socket = socket;
        this.path = path;
        this.clock = clock;
        this.large = socket.vnetHeaders() ? largeArena.allocate(PacketSocket.MAX_LARGE_FRAME, 64)
                : MemorySegment.NULL;
    }

    PacketSocket socket() {
        return socket;
    }

    /** Runs {@code command} on the loop thread before its next batch. */
    void submit(Runnable command) {
        commands.add(command);
    }

    void shutdown() {
        running = false;
    }

    int liveFlows() {
        return liveFlows;
    }

    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        long lastTick = Long.MIN_VALUE;
        try {
            while (running) {
                Runnable command;
                while ((command = commands.poll()) != null) {
                    command.run();
                }
                now = clock.nanoTime();
                if (lastTick == Long.MIN_VALUE || now - lastTick >= TICK_NANOS) {
                    path.tick(now, this);
                    lastTick = now;
                    liveFlows = path.flows().size();
                    warnAboutHostSetUp();
                }
                int frames = socket.receive(this, BLOCKS_PER_BATCH);
                socket.txFlush();
                if (frames == 0) {
                    socket.awaitReadable(POLL_MILLIS);
                }
            }
        } catch (LinuxException | RuntimeException e) {
            failure = e;
            LOG.error("packet engine on {} stopped: {}", socket.interfaceName(), e.getMessage(), e);
        } finally {
            Runnable command;
            while ((command = commands.poll()) != null) {
                command.run(); // lets waiters return; the flows go below anyway
            }
            path.flows().clear(); // gives every backend slot back
            liveFlows = 0;
            try {
                socket.close();
            } catch (LinuxException e) {
                LOG.warn("closing the packet socket: {}", e.getMessage());
            } finally {
                largeArena.close();
            }
        }
    }

    // Counters say what happened per packet; the log says once what to change on the host.
    private void warnAboutHostSetUp() {
        Counters c = path.counters();
        long oversize = c.get(Counters.OVERSIZE);
        if (oversize > warnedOversize && warnedOversize == 0) {
            LOG.warn("{}: received UDP datagrams larger than the MTU without segmentation metadata (a sender with a "
                    + "larger MTU?): they are dropped", socket.interfaceName());
        }
        warnedOversize = oversize;
        long refused = c.get(Counters.TX_REFUSED);
        if (refused > warnedRefused && warnedRefused == 0) {
            LOG.warn("{}: the kernel refused super-frames the engine forwarded (see the counter txRefused)",
                    socket.interfaceName());
        }
        warnedRefused = refused;
        long vlan = c.get(Counters.VLAN_OFFLOADED);
        if (vlan > warnedVlan && warnedVlan == 0) {
            LOG.warn("{}: the NIC strips VLAN tags (rx-vlan-offload); tagged frames are dropped: bind the engine to "
                    + "the VLAN interface (e.g. {}.100) or run: ethtool -K {} rxvlan off", socket.interfaceName(),
                    socket.interfaceName(), socket.interfaceName());
        }
        warnedVlan = vlan;
        long full = c.get(Counters.TX_FULL);
        if (full > warnedTxFull && warnedTxFull == 0) {
            LOG.warn("{}: the TX ring was full and frames were dropped; consider a larger txFrameCount",
                    socket.interfaceName());
        }
        warnedTxFull = full;
    }

    // ------------------------------------------------------------------ RX: one call per frame, in the ring

    @Override
    public void onFrame(MemorySegment ring, long offset, int length, int wireLength, int status) {
        if (length < wireLength) {
            path.counters().increment(Counters.RX_FRAMES);
            path.counters().increment(Counters.TRUNCATED_CAPTURE);
            return;
        }
        if ((status & PacketSocket.TP_STATUS_VLAN_VALID) != 0) {
            path.counters().increment(Counters.RX_FRAMES);
            path.counters().increment(Counters.VLAN_OFFLOADED);
            return;
        }
        int k = batched;
        batchOffsets[k] = offset;
        batchLengths[k] = length;
        batchPartial[k] = (status & PacketSocket.TP_STATUS_CSUMNOTREADY) != 0;
        batchRing = ring;
        batched = k + 1;
        if (batched == PacketPath.BATCH) {
            onBlockEnd();
        }
    }

    // Frames go through the path in batches, so the flow-table misses of a batch overlap (PacketPath.processBatch).
    @Override
    public void onBlockEnd() {
        if (batched > 0) {
            path.processBatch(batchRing, batchOffsets, batchLengths, batchPartial, batched, now, this);
            batched = 0;
        }
    }

    // ------------------------------------------------------------------ TX: the socket's ring as a FrameSink

    @Override
    public MemorySegment segment() {
        return largeClaimed ? large : socket.txRing();
    }

    @Override
    public long claim(int length) {
        if (length > socket.maxTxFrameLength()) {
            if (!socket.vnetHeaders() || length + VirtioNetHeader.LENGTH > large.byteSize()) {
                return -1;
            }
            largeClaimed = true;
            VirtioNetHeader.clear(large, 0);
            return VirtioNetHeader.LENGTH;
        }
        largeClaimed = false;
        try {
            return socket.txClaim(length);
        } catch (LinuxException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void commit(long offset, int length) {
        if (!largeClaimed) {
            socket.txCommit(offset, length);
            return;
        }
        commit(offset, length, MemorySegment.NULL, 0, 0);
    }

    @Override
    public void commit(long offset, int headLength, MemorySegment tail, long tailOffset, int tailLength) {
        if (!largeClaimed) {
            FrameSink.super.commit(offset, headLength, tail, tailOffset, tailLength);
            return;
        }
        largeClaimed = false;
        try {
            if (!socket.sendLarge(large, headLength + VirtioNetHeader.LENGTH, tail, tailOffset, tailLength)) {
                path.counters().increment(Counters.TX_FULL);
            }
        } catch (LinuxException e) {
            // A frame the kernel will not take (an offload header it does not support) is dropped, not fatal.
            path.counters().increment(Counters.TX_REFUSED);
            LOG.debug("super-frame refused: {}", e.getMessage());
        }
    }
}
