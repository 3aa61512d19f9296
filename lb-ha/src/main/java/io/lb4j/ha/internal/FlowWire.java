package io.lb4j.ha.internal;

import io.lb4j.engine.packet.ha.FlowUpdate;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of a flow-state sync FLOWS frame (framing and HMAC in {@link ReplicationWire}): a sequence number, a count
 * and that many records, big-endian:
 * <pre>
 * record: kind(1: 1 upsert, 2 remove) protocol(1) state(1: 1 SYN, 2 ESTABLISHED, 3 FIN, 4 CLOSE, 5 UDP) nat(1)
 *         client(4) clientPort(2) vip(4) vipPort(2) backend(4) backendPort(2) clientMac(6)
 *         labelLength(1) label(UTF-8)
 * </pre>
 * About 30 bytes plus the label per flow, so a frame of {@value #MAX_RECORDS} records stays well under 1 MiB.
 */
public final class FlowWire {

    /** The most records one frame carries (the sender batches up to this, the receiver refuses more). */
    public static final int MAX_RECORDS = 1024;
    /** The longest record: 29 bytes of fields and a label of at most 255 bytes. */
    private static final int MAX_RECORD = 29 + 255;
    /** The longest body: sequence, count and {@link #MAX_RECORDS} records of the longest kind (about 284 KiB). */
    public static final int MAX_BODY = 8 + 2 + MAX_RECORDS * MAX_RECORD;

    private FlowWire() {
    }

    /** The body for {@code updates} (at most {@link #MAX_RECORDS}). */
    public static byte[] encode(long sequence, List<FlowUpdate> updates) {
        if (updates.size() > MAX_RECORDS) {
            throw new IllegalArgumentException("updates: " + updates.size() + " (expected: at most " + MAX_RECORDS
                    + " per frame)");
        }
        List<byte[]> labels = new ArrayList<>(updates.size());
        int length = 8 + 2;
        for (FlowUpdate u : updates) {
            byte[] label = u.service().getBytes(StandardCharsets.UTF_8);
            if (label.length > 255) {
                throw new IllegalArgumentException("service: \"" + u.service()
                        + "\" (expected: a label of at most 255 UTF-8 bytes)");
            }
            labels.add(label);
            length += 29 + label.length;
        }
        ByteBuffer b = ByteBuffer.allocate(length);
        b.putLong(sequence).putShort((short) updates.size());
        for (int i = 0; i < updates.size(); i++) {
            FlowUpdate u = updates.get(i);
            b.put((byte) (u.kind() == FlowUpdate.Kind.UPSERT ? 1 : 2)).put((byte) u.protocol())
                    .put((byte) (u.state().ordinal() + 1)).put((byte) (u.nat() ? 1 : 0))
                    .putInt(u.client()).putShort((short) u.clientPort()).putInt(u.vip()).putShort((short) u.vipPort())
                    .putInt(u.backend()).putShort((short) u.backendPort())
                    .putShort((short) (u.clientMac() >>> 32)).putInt((int) u.clientMac());
            b.put((byte) labels.get(i).length).put(labels.get(i));
        }
        return b.array();
    }

    /** A decoded body. */
    public record Batch(long sequence, List<FlowUpdate> updates) {
    }

    /**
     * Decodes the body of an authenticated FLOWS frame ({@code frame[offset..offset+length)}).
     *
     * @throws IllegalArgumentException naming what is wrong, for any inconsistency (truncated, trailing bytes, an
     *                                  unknown code, a field the record's own validation refuses)
     */
    public static Batch decode(byte[] frame, int offset, int length) {
        ByteBuffer b = ByteBuffer.wrap(frame, offset, length);
        try {
            long sequence = b.getLong();
            int count = Short.toUnsignedInt(b.getShort());
            if (count > MAX_RECORDS) {
                throw new IllegalArgumentException("record count " + count + " (expected: at most " + MAX_RECORDS
                        + ")");
            }
            List<FlowUpdate> updates = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int kind = b.get();
                int protocol = Byte.toUnsignedInt(b.get());
                int state = b.get();
                int nat = b.get();
                int client = b.getInt();
                int clientPort = Short.toUnsignedInt(b.getShort());
                int vip = b.getInt();
                int vipPort = Short.toUnsignedInt(b.getShort());
                int backend = b.getInt();
                int backendPort = Short.toUnsignedInt(b.getShort());
                long mac = (long) Short.toUnsignedInt(b.getShort()) << 32 | Integer.toUnsignedLong(b.getInt());
                byte[] label = new byte[Byte.toUnsignedInt(b.get())];
                b.get(label);
                if (kind != 1 && kind != 2) {
                    throw new IllegalArgumentException("record " + i + ": kind " + kind + " (expected: 1 or 2)");
                }
                if (state < 1 || state > FlowUpdate.State.values().length) {
                    throw new IllegalArgumentException("record " + i + ": state " + state + " (expected: 1-5)");
                }
                if (nat != 0 && nat != 1) {
                    throw new IllegalArgumentException("record " + i + ": nat " + nat + " (expected: 0 or 1)");
                }
                updates.add(new FlowUpdate(kind == 1 ? FlowUpdate.Kind.UPSERT : FlowUpdate.Kind.REMOVE,
                        new String(label, StandardCharsets.UTF_8), protocol, FlowUpdate.State.values()[state - 1],
                        nat == 1, client, clientPort, vip, vipPort, backend, backendPort, mac));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the last record");
            }
            return new Batch(sequence, updates);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated FLOWS frame (" + length + " bytes)");
        }
    }
}
