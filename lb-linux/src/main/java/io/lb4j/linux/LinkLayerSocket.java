package io.lb4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A send-only AF_PACKET socket for the occasional hand-built frame (gratuitous ARP after a VRRP takeover): one
 * {@code sendto} per frame, no rings. The packet engine's {@link PacketSocket} is the tool for traffic; this is
 * for a handful of frames a minute from a component that does not own the interface's packet loop.
 *
 * <p>Needs CAP_NET_RAW. Thread-safe.
 */
public final class LinkLayerSocket implements AutoCloseable {

    private static final ValueLayout.OfShort NATIVE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfShort NET_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final int fd;
    private final String interfaceName;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final MemorySegment destination;
    private boolean closed;

    private LinkLayerSocket(int fd, String interfaceName, int interfaceIndex, int etherType) {
        this.fd = fd;
        this.interfaceName = interfaceName;
        this.buffer = arena.allocate(2048);
        // The frame carries its own header; the address gives the kernel the interface and skb protocol.
        this.destination = arena.allocate(20);
        destination.set(NATIVE_SHORT, 0, (short) Libc.AF_PACKET);
        destination.set(NET_SHORT, 2, (short) etherType);
        destination.set(ValueLayout.JAVA_INT_UNALIGNED, 4, interfaceIndex);
        destination.set(ValueLayout.JAVA_BYTE, 11, (byte) 6);
        for (int i = 0; i < 6; i++) {
            destination.set(ValueLayout.JAVA_BYTE, 12 + i, (byte) 0xFF);
        }
    }

    /**
     * Opens a socket that sends frames of EtherType {@code etherType} on the interface with index
     * {@code interfaceIndex}; it receives nothing (protocol 0 until bind, and nobody reads it).
     *
     * @throws LinuxException naming the step that failed (EPERM: CAP_NET_RAW missing)
     */
    public static LinkLayerSocket open(String interfaceName, int interfaceIndex, int etherType) throws LinuxException {
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0, "socket(AF_PACKET, SOCK_RAW)");
        try (Arena setup = Arena.ofConfined()) {
            // struct sockaddr_ll {family, protocol (network order), ifindex, hatype, pkttype, halen, addr[8]}
            MemorySegment address = setup.allocate(20);
            address.set(NATIVE_SHORT, 0, (short) Libc.AF_PACKET);
            address.set(NET_SHORT, 2, (short) 0); // protocol 0: bound for sending, receives no frames
            address.set(ValueLayout.JAVA_INT_UNALIGNED, 4, interfaceIndex);
            Libc.bind(fd, address, "bind(AF_PACKET) to " + interfaceName + " (index " + interfaceIndex + ")");
            NetCalls.warmUpSendto();
            return new LinkLayerSocket(fd, interfaceName, interfaceIndex, etherType);
        } catch (LinuxException | RuntimeException e) {
            try {
                Libc.close(fd, "close(AF_PACKET socket)");
            } catch (LinuxException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Sends one whole Ethernet frame (header included) out of the bound interface. */
    public synchronized void send(byte[] frame) throws LinuxException {
        if (closed) {
            throw new LinuxException("sendto(AF_PACKET on " + interfaceName + ") after close", 9);
        }
        if (frame.length > buffer.byteSize()) {
            throw new IllegalArgumentException("frame: " + frame.length + " bytes (expected: at most "
                    + buffer.byteSize() + ")");
        }
        MemorySegment.copy(frame, 0, buffer, ValueLayout.JAVA_BYTE, 0, frame.length);
        NetCalls.sendto(fd, buffer, frame.length, 0, destination, "sendto(AF_PACKET frame) on " + interfaceName);
    }

    /** Closes the socket; idempotent. */
    @Override
    public synchronized void close() throws LinuxException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Libc.close(fd, "close(AF_PACKET socket on " + interfaceName + ")");
        } finally {
            arena.close();
        }
    }
}
