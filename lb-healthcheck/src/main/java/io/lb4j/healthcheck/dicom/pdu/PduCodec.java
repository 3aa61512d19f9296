package io.lb4j.healthcheck.dicom.pdu;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Turns bytes from a peer into {@link Pdu}s: from a buffer that holds whole PDUs, or from a blocking stream. Bad
 * input of any kind, whether truncated, with a length past the end of what holds it or above the agreed maximum, or
 * of an unknown PDU type, ends in a {@link MalformedPduException} that says what and where; nothing else is thrown
 * for it. Nothing larger than the header plus {@code maxPduLength} is allocated for a PDU, whatever length it claims.
 *
 * <p>Stateless and thread-safe. lb4j-internal.
 */
public final class PduCodec {

    private PduCodec() {
    }

    /**
     * The length of the PDU whose header starts at the buffer's position, header included, after checking its type
     * and length: what a stream decoder waits for before calling {@link #decode}. Does not move the position.
     *
     * @param maxPduLength the largest PDU length (the bytes after the header) accepted
     * @return the whole PDU's length, or -1 while fewer than {@value Pdu#HEADER_LENGTH} bytes remain
     * @throws MalformedPduException    for an unknown PDU type or a length above {@code maxPduLength}
     * @throws IllegalArgumentException when {@code maxPduLength} is negative or too large for an array
     */
    public static int frameLength(ByteBuffer buffer, int maxPduLength) throws MalformedPduException {
        Values.unsigned("maxPduLength", maxPduLength, Integer.MAX_VALUE - Pdu.HEADER_LENGTH);
        if (buffer.remaining() < Pdu.HEADER_LENGTH) {
            return -1;
        }
        ByteBuffer header = buffer.slice(buffer.position(), Pdu.HEADER_LENGTH).order(ByteOrder.BIG_ENDIAN);
        int type = header.get(Pdu.TYPE_OFFSET) & 0xFF;
        if (type < Pdu.A_ASSOCIATE_RQ || type > Pdu.A_ABORT) {
            throw new MalformedPduException(Abort.UNRECOGNIZED_PDU, Pdu.name(type));
        }
        long length = header.getInt(Pdu.LENGTH_OFFSET) & 0xFFFF_FFFFL;
        if (length > maxPduLength) {
            throw new MalformedPduException(Abort.INVALID_PARAMETER_VALUE,
                    Pdu.name(type) + ": PDU length " + length + " (expected: at most " + maxPduLength + ")");
        }
        return Pdu.HEADER_LENGTH + (int) length;
    }

    /**
     * Decodes the PDU that starts at the buffer's position and moves the position past it; bytes after it stay.
     *
     * @param maxPduLength the largest PDU length (the bytes after the header) accepted
     * @throws MalformedPduException    when the bytes are not one whole, well-formed PDU
     * @throws IllegalArgumentException when {@code maxPduLength} is negative or too large for an array
     */
    public static Pdu decode(ByteBuffer buffer, int maxPduLength) throws MalformedPduException {
        int frame = frameLength(buffer, maxPduLength);
        if (frame < 0) {
            throw new MalformedPduException(Abort.INVALID_PARAMETER_VALUE, "truncated PDU: " + buffer.remaining()
                    + " bytes (expected: at least the " + Pdu.HEADER_LENGTH + "-byte header)");
        }
        int type = buffer.get(buffer.position() + Pdu.TYPE_OFFSET) & 0xFF;
        if (buffer.remaining() < frame) {
            throw new MalformedPduException(Abort.INVALID_PARAMETER_VALUE, Pdu.name(type) + ": truncated: PDU length "
                    + (frame - Pdu.HEADER_LENGTH) + ", " + (buffer.remaining() - Pdu.HEADER_LENGTH) + " bytes follow");
        }
        WireReader body = new WireReader(buffer.slice(buffer.position() + Pdu.HEADER_LENGTH, frame - Pdu.HEADER_LENGTH),
                ByteOrder.BIG_ENDIAN, Pdu.name(type));
        Pdu pdu = switch (type) {
            case Pdu.A_ASSOCIATE_RQ -> AssociateRq.decode(body);
            case Pdu.A_ASSOCIATE_AC -> AssociateAc.decode(body);
            case Pdu.A_ASSOCIATE_RJ -> AssociateRj.decode(body);
            case Pdu.P_DATA_TF -> PDataTf.decode(body);
            case Pdu.A_RELEASE_RQ -> ReleaseRq.decode(body);
            case Pdu.A_RELEASE_RP -> ReleaseRp.decode(body);
            default -> Abort.decode(body); // frameLength admitted only the seven types
        };
        buffer.position(buffer.position() + frame);
        return pdu;
    }

    /**
     * Reads exactly one PDU from a blocking stream. The header is checked before the body is read, so a peer
     * claiming a huge length costs no memory.
     *
     * @param maxPduLength the largest PDU length (the bytes after the header) accepted
     * @throws EOFException          when the stream ends before the PDU's first byte (the peer closed)
     * @throws MalformedPduException when the stream ends inside the PDU or the PDU is malformed
     * @throws IOException           when reading fails
     */
    public static Pdu read(InputStream in, int maxPduLength) throws IOException {
        byte[] header = new byte[Pdu.HEADER_LENGTH];
        int n = in.readNBytes(header, 0, Pdu.HEADER_LENGTH);
        if (n == 0) {
            throw new EOFException("connection closed");
        }
        if (n < Pdu.HEADER_LENGTH) {
            throw new MalformedPduException(Abort.INVALID_PARAMETER_VALUE,
                    "truncated PDU: the stream ended after " + n + " of " + Pdu.HEADER_LENGTH + " header bytes");
        }
        int frame = frameLength(ByteBuffer.wrap(header), maxPduLength);
        byte[] pdu = Arrays.copyOf(header, frame);
        int body = in.readNBytes(pdu, Pdu.HEADER_LENGTH, frame - Pdu.HEADER_LENGTH);
        if (body < frame - Pdu.HEADER_LENGTH) {
            throw new MalformedPduException(Abort.INVALID_PARAMETER_VALUE, Pdu.name(header[0] & 0xFF)
                    + ": truncated: the stream ended after " + body + " of " + (frame - Pdu.HEADER_LENGTH) + " bytes");
        }
        return decode(ByteBuffer.wrap(pdu), maxPduLength);
    }
}
