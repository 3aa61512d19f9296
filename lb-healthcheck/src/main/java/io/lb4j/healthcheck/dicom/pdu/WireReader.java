package io.lb4j.healthcheck.dicom.pdu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked cursor over the bytes of one PDU, item or command set. Every read states what it reads, so that
 * running past the end becomes a {@link MalformedPduException} that names the field instead of an
 * {@code IndexOutOfBoundsException}; a sub-reader never sees past its own length. Not thread-safe.
 */
final class WireReader {

    private final ByteBuffer bytes;
    private final String what;

    /** Reads {@code bytes} from its position to its limit in {@code order}; {@code what} prefixes every message. */
    WireReader(ByteBuffer bytes, ByteOrder order, String what) {
        this.bytes = bytes.slice().order(order);
        this.what = what;
    }

    int remaining() {
        return bytes.remaining();
    }

    boolean hasRemaining() {
        return bytes.hasRemaining();
    }

    int u8(String field) throws MalformedPduException {
        need(1, field);
        return bytes.get() & 0xFF;
    }

    int u16(String field) throws MalformedPduException {
        need(2, field);
        return bytes.getShort() & 0xFFFF;
    }

    long u32(String field) throws MalformedPduException {
        need(4, field);
        return bytes.getInt() & 0xFFFF_FFFFL;
    }

    void skip(int n, String field) throws MalformedPduException {
        need(n, field);
        bytes.position(bytes.position() + n);
    }

    byte[] bytes(int n, String field) throws MalformedPduException {
        need(n, field);
        byte[] value = new byte[n];
        bytes.get(value);
        return value;
    }

    /**
     * {@code n} bytes as text, one char per byte (ISO 8859-1 keeps any byte), without the padding peers add:
     * leading spaces, trailing spaces and NULs (PS3.8 calls them non-significant).
     */
    String text(int n, String field) throws MalformedPduException {
        need(n, field);
        int start = bytes.position();
        int end = start + n;
        bytes.position(end);
        while (end > start && (bytes.get(end - 1) == ' ' || bytes.get(end - 1) == 0)) {
            end--;
        }
        while (start < end && bytes.get(start) == ' ') {
            start++;
        }
        byte[] value = new byte[end - start];
        bytes.get(start, value);
        return new String(value, StandardCharsets.ISO_8859_1);
    }

    /** A reader of the next {@code length} bytes, which this reader then skips. */
    WireReader sub(long length, String field) throws MalformedPduException {
        if (length > bytes.remaining()) {
            throw malformed(field + ": length " + length + " runs past the end (" + bytes.remaining() + " bytes left)");
        }
        int n = (int) length;
        WireReader sub = new WireReader(bytes.slice(bytes.position(), n), bytes.order(), what + ": " + field);
        bytes.position(bytes.position() + n);
        return sub;
    }

    /** The exception for anything wrong in what this reader reads. */
    MalformedPduException malformed(String problem) {
        return new MalformedPduException(Abort.INVALID_PARAMETER_VALUE, what + ": " + problem);
    }

    private void need(int n, String field) throws MalformedPduException {
        if (n > bytes.remaining()) {
            throw malformed(field + ": needs " + (n == 1 ? "1 byte, " : n + " bytes, ") + bytes.remaining() + " left");
        }
    }
}
