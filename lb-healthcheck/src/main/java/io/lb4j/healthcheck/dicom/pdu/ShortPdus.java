package io.lb4j.healthcheck.dicom.pdu;

/**
 * The layout A-ASSOCIATE-RJ, A-RELEASE-RQ, A-RELEASE-RP and A-ABORT share (PS3.8 9.3.4, 9.3.6 to 9.3.8): the header
 * and a body of exactly four bytes, the first always reserved.
 *
 * <pre>
 *  0        1        2                                   6          7          8          9
 * +--------+--------+--------+--------+--------+--------+----------+----------+----------+----------+
 * |  type  |reserved|          PDU length = 4           | reserved | byte 7   | byte 8   | byte 9   |
 * +--------+--------+--------+--------+--------+--------+----------+----------+----------+----------+
 * </pre>
 */
final class ShortPdus {

    static final int BODY_LENGTH = 4;

    private ShortPdus() {
    }

    static byte[] encode(int type, int byte7, int byte8, int byte9) {
        return WireWriter.pdu(type).u8(0).u8(byte7).u8(byte8).u8(byte9).finishPdu();
    }

    /** Bytes 7, 8 and 9 of a four-byte body; anything but four bytes is malformed. */
    static int[] fields(WireReader body) throws MalformedPduException {
        if (body.remaining() != BODY_LENGTH) {
            throw body.malformed("PDU length " + body.remaining() + " (expected: " + BODY_LENGTH + ")");
        }
        body.skip(1, "reserved");
        return new int[] {body.u8("byte 7"), body.u8("byte 8"), body.u8("byte 9")};
    }
}
