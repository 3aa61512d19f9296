package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * A Linux AF_PACKET socket bound to one interface, with TPACKET_V3 memory-mapped RX and TX rings: frames are read
 * and written in place in memory shared with the kernel, one system call per batch instead of one per frame.
 *
 * <p>RX ({@code PACKET_RX_RING}, V3): the kernel fills variable-size frames into blocks and hands a block over when
 * it is full or {@link Options#blockTimeoutMillis()} passed; {@link #receive} walks every ready block, hands each
 * frame to a {@link FrameHandler} where it lies, and returns the block. Frames the host itself sends
 * ({@code PACKET_OUTGOING}) are skipped. TX ({@code PACKET_TX_RING}, V3 frames of fixed size): {@link #txClaim}
 * returns room in the next free frame, {@link #txCommit} marks it ready, {@link #txFlush} makes the kernel send
 * every ready frame with one {@code sendto}; {@code PACKET_QDISC_BYPASS} skips the queueing discipline where the
 * kernel allows it, and {@code PACKET_LOSS} makes it skip a malformed frame instead of stalling the ring.
 *
 * <p>Offloads ({@code PACKET_VNET_HDR}, {@link Options#vnetHeaders()}): every received frame is preceded by a
 * {@link VirtioNetHeader} saying whether it is a super-frame (GRO/LRO, or a local sender's TSO/GSO, up to 64 KiB and
 * more) and whether its transport checksum is still partial; every frame sent carries one too, so a frame forwarded
 * with the header it arrived with keeps its offloads and the kernel or the NIC segments it. Super-frames do not fit
 * the TX ring's fixed frames: {@link #sendLarge} sends them one system call each through a second socket on the same
 * interface, after flushing the ring so that a flow's frames keep their order. Kernels without it (before 4.x) open
 * without, and {@link #vnetHeaders()} says so.
 *
 * <p>Needs CAP_NET_RAW. Not thread-safe: one thread receives and transmits (the packet engine's loop).
 * {@link #receive}, {@link #txClaim}, {@link #txCommit} and {@link #txFlush} allocate nothing.
 */
public final class PacketSocket implements AutoCloseable {

    /** Ring geometry; the defaults suit one 1-10 Gbit/s interface with a 1500-byte MTU. */
    public record Options(int rxBlockSize, int rxBlockCount, int blockTimeoutMillis, int txFrameSize,
                          int txFrameCount, boolean qdiscBypass, boolean vnetHeaders) {

        /**
         * 16 RX blocks of 256 KiB retired after at most 1 ms (a block holds three 64 KiB super-frames or a hundred
         * 1500-byte frames); 1024 TX frames of 2 KiB; qdisc bypass; virtio-net headers.
         */
        public static Options defaults() {
            return new Options(256 * 1024, 16, 1, 2048, 1024, true, true);
        }

        /** These options with {@code PACKET_VNET_HDR} on or off. */
        public Options withVnetHeaders(boolean enabled) {
            return new Options(rxBlockSize, rxBlockCount, blockTimeoutMillis, txFrameSize, txFrameCount, qdiscBypass,
                    enabled);
        }

        /** Checks the kernel's constraints: page-multiple blocks, 16-byte-aligned frames that fit a block. */
        public Options {
            if (rxBlockSize < 4096 || rxBlockSize % 4096 != 0) {
                throw new IllegalArgumentException("rxBlockSize: " + rxBlockSize + " (expected: a multiple of 4096)");
            }
            if (rxBlockCount < 2) {
                throw new IllegalArgumentException("rxBlockCount: " + rxBlockCount + " (expected: at least 2)");
            }
            if (blockTimeoutMillis < 1) {
                throw new IllegalArgumentException("blockTimeoutMillis: " + blockTimeoutMillis + " (expected: >= 1)");
            }
            if (txFrameSize < 128 || txFrameSize % 16 != 0 || 4096 % txFrameSize != 0 && txFrameSize % 4096 != 0) {
                throw new IllegalArgumentException("txFrameSize: " + txFrameSize
                        + " (expected: a multiple of 16 that divides 4096, or a multiple of 4096)");
            }
            if (txFrameCount < 8) {
                throw new IllegalArgumentException("txFrameCount: " + txFrameCount + " (expected: at least 8)");
            }
        }
    }

    /** Receives frames where they lie in the RX ring; must not keep {@code ring} offsets after returning. */
    @FunctionalInterface
    public interface FrameHandler {
        /**
         * @param ring   the RX ring
         * @param offset where the frame (its Ethernet header) starts; with {@link #vnetHeaders()} its
         *               {@link VirtioNetHeader} lies right before, at {@code offset - VirtioNetHeader.LENGTH}
         * @param length bytes of the frame present in the ring
         * @param wireLength the frame's length on the wire; larger than {@code length} when it was truncated
         * @param status the kernel's {@code tp_status} bits ({@link #TP_STATUS_CSUMNOTREADY}, ...)
         */
        void onFrame(MemorySegment ring, long offset, int length, int wireLength, int status);

        /**
         * Called after the last frame of a block, before the block goes back to the kernel: a handler that batches
         * frames must finish them here, as their offsets become invalid after it returns.
         */
        default void onBlockEnd() {
        }
    }

    public static final int TP_STATUS_KERNEL = 0;
    public static final int TP_STATUS_USER = 1;
    public static final int TP_STATUS_COPY = 1 << 1;
    public static final int TP_STATUS_LOSING = 1 << 2;
    /** The transport checksum is not computed yet (the sender offloaded it, e.g. over veth). */
    public static final int TP_STATUS_CSUMNOTREADY = 1 << 3;
    /** A VLAN tag was stripped into metadata and is not in the frame. */
    public static final int TP_STATUS_VLAN_VALID = 1 << 4;
    public static final int TP_STATUS_AVAILABLE = 0;
    public static final int TP_STATUS_SEND_REQUEST = 1;
    public static final int TP_STATUS_WRONG_FORMAT = 1 << 2;

    private static final int PACKET_RX_RING = 5;
    private static final int PACKET_VERSION = 10;
    private static final int PACKET_LOSS = 14;
    private static final int PACKET_TX_RING = 13;
    private static final int PACKET_QDISC_BYPASS = 20;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int PACKET_VNET_HDR = 15;
    private static final int PACKET_FANOUT = 18;
    private static final int PACKET_FANOUT_DATA = 22;
    /** Fanout mode: a classic BPF program chooses the socket (its result modulo the group's size). */
    public static final int PACKET_FANOUT_CBPF = 6;
    private static final int TPACKET_V3 = 2;
    private static final int PACKET_OUTGOING = 4;

    // struct tpacket_block_desc / tpacket_hdr_v1
    private static final int BLOCK_STATUS_OFFSET = 8;
    private static final int BLOCK_NUM_PACKETS_OFFSET = 12;
    private static final int BLOCK_FIRST_PACKET_OFFSET = 16;
    // struct tpacket3_hdr
    private static final int FRAME_NEXT_OFFSET = 0;
    private static final int FRAME_SNAPLEN_OFFSET = 12;
    private static final int FRAME_LEN_OFFSET = 16;
    private static final int FRAME_STATUS_OFFSET = 20;
    private static final int FRAME_MAC_OFFSET = 24;
    /** TPACKET_ALIGN(sizeof(struct tpacket3_hdr)): where struct sockaddr_ll follows the header. */
    private static final int FRAME_HEADER_LENGTH = 48;
    private static final int SLL_PKTTYPE_OFFSET = 10;
    /** TX data starts at tp_hdrlen - sizeof(struct sockaddr_ll) = TPACKET_ALIGN(sizeof(tpacket3_hdr)). */
    private static final int TX_DATA_OFFSET = FRAME_HEADER_LENGTH;
    /** The most a super-frame sent by {@link #sendLarge} may hold, its virtio-net header included. */
    public static final int MAX_LARGE_FRAME = 256 * 1024;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private final String interfaceName;
    private final int interfaceIndex;
    private final int fd;
    private final int largeFd;          // -1 without virtio-net headers
    private final String vnetUnavailable;
    private final int txVnet;           // bytes of virtio-net header before each TX frame: 0 or 10
    private final Options options;
    private final MemorySegment mapping;
    private final MemorySegment rx;
    private final MemorySegment tx;
    private final MemorySegment pollfd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment iovecs;
    private final MemorySegment message;
    // What the per-batch and per-frame calls name in an error, built once: no string per call on the packet path.
    private final String pollWhat;
    private final String kickWhat;
    private final String sendLargeWhat;
    private final int txFramesPerBlock;
    private final int txBlockSize;
    private final int txFrameCountTotal;
    private int rxBlock;
    private int txFrame;
    private int txPending;
    private boolean closed;

    private PacketSocket(String interfaceName, int interfaceIndex, int fd, int largeFd, String vnetUnavailable,
                         Options options, MemorySegment mapping, long rxSize, int txBlockSize, int txFrameCountTotal) {
        this.txFrameCountTotal = txFrameCountTotal;
        this.largeFd = largeFd;
        this.vnetUnavailable = vnetUnavailable;
        this.txVnet = largeFd >= 0 ? VirtioNetHeader.LENGTH : 0;
        this.interfaceName = interfaceName;
        this.interfaceIndex = interfaceIndex;
        this.fd = fd;
        this.options = options;
        this.mapping = mapping;
        this.rx = mapping.asSlice(0, rxSize);
        this.tx = mapping.asSlice(rxSize);
        this.txBlockSize = txBlockSize;
        this.txFramesPerBlock = txBlockSize / options.txFrameSize();
        this.pollfd = arena.allocate(8);
        this.pollWhat = "poll(AF_PACKET socket on " + interfaceName + ")";
        this.kickWhat = "sendto(TX ring) on " + interfaceName;
        this.sendLargeWhat = "sendmsg(super-frame) on " + interfaceName;
        this.iovecs = arena.allocate(32, 8);
        this.message = arena.allocate(56, 8);
        message.set(ValueLayout.ADDRESS, 16, iovecs);
        pollfd.set(ValueLayout.JAVA_INT, 0, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, (short) (Libc.POLLIN | Libc.POLLERR));
    }

    /**
     * Opens the socket, sets up both rings, maps them and binds to {@code interfaceName} (index
     * {@code interfaceIndex}) for every EtherType.
     *
     * @throws LinuxException naming the step that failed (EPERM: CAP_NET_RAW missing)
     */
    public static PacketSocket open(String interfaceName, int interfaceIndex, Options options) throws LinuxException {
        // Protocol 0 until bind: the socket receives nothing from other interfaces in the meantime.
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0, "socket(AF_PACKET, SOCK_RAW)");
        int largeFd = -1;
        try (Arena setup = Arena.ofConfined()) {
            String on = " on " + interfaceName;
            Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_VERSION, TPACKET_V3, "setsockopt(PACKET_VERSION, V3)" + on);
            String vnetUnavailable = null;
            if (options.vnetHeaders()) {
                try {
                    // Before the rings: the kernel refuses (EBUSY) once they exist.
                    Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_VNET_HDR, 1, "setsockopt(PACKET_VNET_HDR)" + on);
                    largeFd = openLargeFrameSocket(interfaceName, interfaceIndex, options, setup);
                } catch (LinuxException olderKernel) {
                    vnetUnavailable = olderKernel.getMessage();
                    if (largeFd >= 0) {
                        Libc.close(largeFd, "close(AF_PACKET large-frame socket)");
                        largeFd = -1;
                    }
                }
            } else {
                vnetUnavailable = "switched off (PacketSocket.Options.vnetHeaders)";
            }
            try {
                Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "setsockopt(PACKET_IGNORE_OUTGOING)");
            } catch (LinuxException olderKernel) {
                // Before Linux 4.20: outgoing frames are filtered by their packet type in receive() instead.
            }
            Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_LOSS, 1, "setsockopt(PACKET_LOSS)" + on);
            if (options.qdiscBypass()) {
                Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_QDISC_BYPASS, 1, "setsockopt(PACKET_QDISC_BYPASS)" + on);
            }
            // struct tpacket_req3 {block_size, block_nr, frame_size, frame_nr, retire_blk_tov, sizeof_priv, feature}
            MemorySegment rxReq = setup.allocate(28);
            rxReq.set(INT, 0, options.rxBlockSize());
            rxReq.set(INT, 4, options.rxBlockCount());
            rxReq.set(INT, 8, 2048);
            rxReq.set(INT, 12, options.rxBlockSize() / 2048 * options.rxBlockCount());
            rxReq.set(INT, 16, options.blockTimeoutMillis());
            Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_RX_RING, rxReq, "setsockopt(PACKET_RX_RING)" + on);

            int txBlockSize = Math.max(4096, options.txFrameSize());
            int framesPerBlock = txBlockSize / options.txFrameSize();
            int txBlocks = (options.txFrameCount() + framesPerBlock - 1) / framesPerBlock;
            MemorySegment txReq = setup.allocate(28); // V3 TX: retire timeout, priv and feature must be 0
            txReq.set(INT, 0, txBlockSize);
            txReq.set(INT, 4, txBlocks);
            txReq.set(INT, 8, options.txFrameSize());
            txReq.set(INT, 12, txBlocks * framesPerBlock);
            Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_TX_RING, txReq, "setsockopt(PACKET_TX_RING)" + on);

            long rxSize = (long) options.rxBlockSize() * options.rxBlockCount();
            long txSize = (long) txBlockSize * txBlocks;
            MemorySegment mapping = Libc.mmap(rxSize + txSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, fd,
                    "mmap(" + (rxSize + txSize) + " bytes of rings)" + on);

            // struct sockaddr_ll {family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8]}
            MemorySegment address = setup.allocate(20);
            address.set(SHORT, 0, (short) Libc.AF_PACKET);
            address.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) Libc.ETH_P_ALL);
            address.set(INT, 4, interfaceIndex);
            try {
                Libc.bind(fd, address, "bind(AF_PACKET) to " + interfaceName + " (index " + interfaceIndex + ")");
            } catch (LinuxException e) {
                Libc.munmap(mapping, "munmap(rings)");
                throw e;
            }
            return new PacketSocket(interfaceName, interfaceIndex, fd, largeFd, vnetUnavailable, options, mapping,
                    rxSize, txBlockSize, txBlocks * framesPerBlock);
        } catch (LinuxException | RuntimeException e) {
            try {
                Libc.close(fd, "close(AF_PACKET socket)");
                if (largeFd >= 0) {
                    Libc.close(largeFd, "close(AF_PACKET large-frame socket)");
                }
            } catch (LinuxException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    // A send-only socket for super-frames: bound with protocol 0, so the kernel delivers it nothing, and without
    // rings, so send() transmits its buffer (with rings it would only kick the TX ring).
    private static int openLargeFrameSocket(String interfaceName, int interfaceIndex, Options options, Arena setup)
            throws LinuxException {
        String on = " on " + interfaceName;
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0, "socket(AF_PACKET, large frames)");
        try {
            Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_VNET_HDR, 1, "setsockopt(PACKET_VNET_HDR, large frames)" + on);
            if (options.qdiscBypass()) {
                Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_QDISC_BYPASS, 1,
                        "setsockopt(PACKET_QDISC_BYPASS, large frames)" + on);
            }
            MemorySegment address = setup.allocate(20);
            address.set(SHORT, 0, (short) Libc.AF_PACKET);
            address.set(INT, 4, interfaceIndex);
            Libc.bind(fd, address, "bind(AF_PACKET, large frames) to " + interfaceName);
            return fd;
        } catch (LinuxException e) {
            Libc.close(fd, "close(AF_PACKET large-frame socket)");
            throw e;
        }
    }

    public String interfaceName() {
        return interfaceName;
    }

    public int interfaceIndex() {
        return interfaceIndex;
    }

    /** The largest frame {@link #txClaim} accepts. */
    public int maxTxFrameLength() {
        return options.txFrameSize() - TX_DATA_OFFSET - txVnet;
    }

    /**
     * Whether frames carry a {@link VirtioNetHeader}: before each received frame, and before each frame claimed with
     * {@link #txClaim} (at {@code offset - VirtioNetHeader.LENGTH}, cleared by the claim) or sent with
     * {@link #sendLarge}.
     */
    public boolean vnetHeaders() {
        return txVnet != 0;
    }

    /** Why {@link #vnetHeaders()} is false (the kernel's refusal, or switched off); null when true. */
    public String vnetHeadersUnavailable() {
        return vnetUnavailable;
    }

    /**
     * Sends one super-frame that does not fit the TX ring: flushes the ring first (a flow's earlier frames leave
     * first), then one {@code send}. {@code buffer} holds the frame's {@link VirtioNetHeader} followed by the frame;
     * {@code length} counts both.
     *
     * @return false when the device queue was full and the frame was dropped
     * @throws LinuxException when the kernel refuses the frame (e.g. EINVAL: an inconsistent offload header)
     * @throws IllegalStateException without {@link #vnetHeaders()}
     */
    public boolean sendLarge(MemorySegment buffer, int length) throws LinuxException {
        return sendLarge(buffer, length, MemorySegment.NULL, 0, 0);
    }

    /**
     * {@link #sendLarge(MemorySegment, int)} gathered from two pieces, so a forwarded super-frame's payload goes from
     * the RX ring to the kernel without a copy in between: the first {@code headLength} bytes of {@code head} (the
     * virtio-net header and the frame's rewritten headers), then {@code tailLength} bytes of {@code tail} from
     * {@code tailOffset}. Allocates nothing.
     */
    public boolean sendLarge(MemorySegment head, int headLength, MemorySegment tail, long tailOffset, int tailLength)
            throws LinuxException {
        if (largeFd < 0) {
            throw new IllegalStateException("large frames need virtio-net headers: " + vnetUnavailable);
        }
        txFlush();
        // struct iovec {void *base; size_t len} x 2, then struct msghdr {name, namelen, iov, iovlen, control,
        // controllen, flags}: name and control stay NULL (the socket is bound).
        if (!head.isNative() || !tail.isNative()) {
            throw new IllegalArgumentException("super-frames are sent from native memory (a ring, an arena)");
        }
        java.util.Objects.checkFromIndexSize(0, headLength, head.byteSize());
        java.util.Objects.checkFromIndexSize(tailOffset, tailLength, tail.byteSize());
        // Raw addresses, not slices: no object per frame (the segments' bounds were checked above).
        iovecs.set(ValueLayout.JAVA_LONG, 0, head.address());
        iovecs.set(ValueLayout.JAVA_LONG, 8, headLength);
        iovecs.set(ValueLayout.JAVA_LONG, 16, tail.address() + tailOffset);
        iovecs.set(ValueLayout.JAVA_LONG, 24, tailLength);
        message.set(ValueLayout.JAVA_LONG, 24, tailLength == 0 ? 1 : 2);
        return Libc.sendmsg(largeFd, message, sendLargeWhat) > 0;
    }

    /**
     * Waits up to {@code timeoutMillis} for a retired RX block (or an error condition).
     *
     * @return whether the socket is readable
     */
    public boolean awaitReadable(int timeoutMillis) throws LinuxException {
        return Libc.poll(pollfd, 1, timeoutMillis, pollWhat) > 0;
    }

    /**
     * Hands every frame of up to {@code maxBlocks} ready RX blocks to {@code handler}, returning each block to the
     * kernel after its last frame.
     *
     * @return the number of frames handled
     */
    public int receive(FrameHandler handler, int maxBlocks) {
        int frames = 0;
        int blockSize = options.rxBlockSize();
        for (int b = 0; b < maxBlocks; b++) {
            long block = (long) rxBlock * blockSize;
            int status = rx.get(INT, block + BLOCK_STATUS_OFFSET);
            VarHandle.acquireFence(); // read the block's frames only after seeing the kernel hand it over
            if ((status & TP_STATUS_USER) == 0) {
                break;
            }
            int count = rx.get(INT, block + BLOCK_NUM_PACKETS_OFFSET);
            long frame = block + (rx.get(INT, block + BLOCK_FIRST_PACKET_OFFSET) & 0xFFFF_FFFFL);
            for (int i = 0; i < count; i++) {
                int snap = rx.get(INT, frame + FRAME_SNAPLEN_OFFSET);
                int wire = rx.get(INT, frame + FRAME_LEN_OFFSET);
                int frameStatus = rx.get(INT, frame + FRAME_STATUS_OFFSET);
                int mac = rx.get(SHORT, frame + FRAME_MAC_OFFSET) & 0xFFFF;
                int type = rx.get(ValueLayout.JAVA_BYTE, frame + FRAME_HEADER_LENGTH + SLL_PKTTYPE_OFFSET);
                if (type != PACKET_OUTGOING) {
                    handler.onFrame(rx, frame + mac, snap, wire, frameStatus);
                    frames++;
                }
                frame += rx.get(INT, frame + FRAME_NEXT_OFFSET) & 0xFFFF_FFFFL;
            }
            handler.onBlockEnd();
            VarHandle.releaseFence(); // our reads of the block happen before the kernel may refill it
            rx.set(INT, block + BLOCK_STATUS_OFFSET, TP_STATUS_KERNEL);
            rxBlock = rxBlock + 1 == options.rxBlockCount() ? 0 : rxBlock + 1;
        }
        return frames;
    }

    /** The TX ring: offsets from {@link #txClaim} point into it. */
    public MemorySegment txRing() {
        return tx;
    }

    private long txFrameOffset(int frame) {
        return (long) (frame / txFramesPerBlock) * txBlockSize
                + (long) (frame % txFramesPerBlock) * options.txFrameSize();
    }

    /**
     * Room for a frame of {@code length} bytes in the next TX frame: the offset of its first byte in
     * {@link #txRing()}, or -1 when the frame is too large or the ring is full even after a flush.
     */
    public long txClaim(int length) throws LinuxException {
        if (length > maxTxFrameLength()) {
            return -1;
        }
        long header = txFrameOffset(txFrame);
        if (!txAvailable(header)) {
            txFlush();
            if (!txAvailable(header)) {
                return -1;
            }
        }
        if (txVnet != 0) {
            VirtioNetHeader.clear(tx, header + TX_DATA_OFFSET);
        }
        return header + TX_DATA_OFFSET + txVnet;
    }

    private boolean txAvailable(long header) {
        int status = tx.get(INT, header + FRAME_STATUS_OFFSET);
        VarHandle.acquireFence();
        return status == TP_STATUS_AVAILABLE || status == TP_STATUS_WRONG_FORMAT;
    }

    /** Queues the frame written at the offset {@link #txClaim} returned; sent by the next {@link #txFlush}. */
    public void txCommit(long dataOffset, int length) {
        long header = dataOffset - TX_DATA_OFFSET - txVnet;
        tx.set(INT, header + FRAME_NEXT_OFFSET, 0);
        tx.set(INT, header + FRAME_LEN_OFFSET, length + txVnet);
        tx.set(INT, header + FRAME_SNAPLEN_OFFSET, length + txVnet);
        VarHandle.releaseFence(); // the frame's bytes are visible before the kernel sees SEND_REQUEST
        tx.set(INT, header + FRAME_STATUS_OFFSET, TP_STATUS_SEND_REQUEST);
        txFrame = txFrame + 1 == txFrameCountTotal ? 0 : txFrame + 1;
        txPending++;
    }

    /** Sends every committed frame: one system call, nothing when nothing is queued. */
    public void txFlush() throws LinuxException {
        if (txPending == 0) {
            return;
        }
        txPending = 0;
        Libc.sendKick(fd, kickWhat);
    }

    /**
     * Joins fanout group {@code group} (0-65535, per network namespace) in {@code mode}: from then on the kernel hands
     * each frame to one socket of the group, chosen by the mode. Every member must be bound like this one.
     *
     * @throws LinuxException EINVAL when the group exists with another mode or interface (choose another id)
     */
    public void joinFanout(int group, int mode) throws LinuxException {
        if (group < 0 || group > 0xFFFF) {
            throw new IllegalArgumentException("group: " + group + " (expected: 0-65535)");
        }
        Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_FANOUT, group | mode << 16,
                "setsockopt(PACKET_FANOUT, group " + group + ") on " + interfaceName);
    }

    /**
     * Sets the classic BPF program of a {@link #PACKET_FANOUT_CBPF} group this socket belongs to (for the whole
     * group; replaces the previous one at once).
     *
     * @param program {@code count} {@code struct sock_filter} instructions of 8 bytes each
     */
    public void fanoutProgram(MemorySegment program, int count) throws LinuxException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fprog = a.allocate(16, 8); // struct sock_fprog {unsigned short len; struct sock_filter *}
            fprog.set(SHORT, 0, (short) count);
            fprog.set(ValueLayout.ADDRESS, 8, program);
            Libc.setsockopt(fd, Libc.SOL_PACKET, PACKET_FANOUT_DATA, fprog,
                    "setsockopt(PACKET_FANOUT_DATA, " + count + " instructions) on " + interfaceName);
        }
    }

    /** Unmaps the rings and closes the socket; idempotent. */
    @Override
    public void close() throws LinuxException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.munmap(mapping, "munmap(rings) on " + interfaceName);
        } finally {
            arena.close();
            try {
                if (largeFd >= 0) {
                    Libc.close(largeFd, "close(AF_PACKET large-frame socket on " + interfaceName + ")");
                }
            } finally {
                Libc.close(fd, "close(AF_PACKET socket on " + interfaceName + ")");
            }
        }
    }
}
