package io.lb4j.healthcheck.dicom.pdu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds one PDU or command set in a growing buffer: fixed-width fields in an explicit byte order, and length fields
 * written as placeholders and patched once what they count is known. Not thread-safe.
 */
final class WireWriter {

    /** Largest value of an item's 16-bit length field. */
    static final int MAX_ITEM_LENGTH = 0xFFFF;

    private ByteBuffer buffer;

    private WireWriter(ByteOrder order) {
        buffer = ByteBuffer.allocate(128).order(order);
    }

    /** Upper Layer PDUs and items: big-endian (PS3.8 9.3.1). */
    static WireWriter bigEndian() {
        return new WireWriter(ByteOrder.BIG_ENDIAN);
    }

    /** DIMSE command sets: Implicit VR Little Endian (PS3.7 6.3.1). */
    static WireWriter littleEndian() {
        return new WireWriter(ByteOrder.LITTLE_ENDIAN);
    }

    /** Starts a PDU: type, a reserved byte, and a length that {@link #finishPdu()} fills in. */
    static WireWriter pdu(int type) {
        WireWriter w = bigEndian();
        w.u8(type).u8(0).u32(0);
        return w;
    }

    WireWriter u8(int value) {
        ensure(1).put((byte) value);
        return this;
    }

    WireWriter u16(int value) {
        ensure(2).putShort((short) value);
        return this;
    }

    WireWriter u32(long value) {
        ensure(4).putInt((int) value);
        return this;
    }

    WireWriter bytes(byte[] value) {
        ensure(value.length).put(value);
        return this;
    }

    WireWriter zeros(int n) {
        ensure(n).put(new byte[n]);
        return this;
    }

    /** {@code value} in ISO 8859-1, padded with spaces to {@code width} bytes (AE titles). */
    WireWriter padded(String value, int width) {
        byte[] text = Arrays.copyOf(value.getBytes(StandardCharsets.ISO_8859_1), width);
        Arrays.fill(text, value.length(), width, (byte) ' ');
        return bytes(text);
    }

    /** Starts an item (type, reserved, 16-bit length); returns where its length goes, for {@link #endItem}. */
    int beginItem(int type) {
        u8(type).u8(0);
        int lengthAt = buffer.position();
        u16(0);
        return lengthAt;
    }

    /**
     * Writes the length of the item begun at {@code lengthAt}: the bytes written since.
     *
     * @throws IllegalArgumentException when the item does not fit its 16-bit length
     */
    void endItem(int lengthAt, String item) {
        int length = buffer.position() - lengthAt - 2;
        if (length > MAX_ITEM_LENGTH) {
            throw new IllegalArgumentException(
                    item + ": " + length + " bytes (expected: at most " + MAX_ITEM_LENGTH + ")");
        }
        buffer.putShort(lengthAt, (short) length);
    }

    /** One item whose value is {@code value} in ISO 8859-1 (UIDs and names; PS3.8 9.3.2.2: no padding). */
    void textItem(int type, String value) {
        int at = beginItem(type);
        bytes(value.getBytes(StandardCharsets.ISO_8859_1));
        endItem(at, Items.name(type));
    }

    int position() {
        return buffer.position();
    }

    /** Writes the 32-bit value at {@code at} (a length counted once the rest is written). */
    void patchU32(int at, long value) {
        buffer.putInt(at, (int) value);
    }

    /** Fills in the PDU length (the bytes after the 6-byte header) and returns the PDU. */
    byte[] finishPdu() {
        patchU32(Pdu.LENGTH_OFFSET, buffer.position() - Pdu.HEADER_LENGTH);
        return toByteArray();
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buffer.array(), buffer.position());
    }

    private ByteBuffer ensure(int n) {
        if (buffer.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + n))
                    .order(buffer.order());
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
        return buffer;
    }
}
