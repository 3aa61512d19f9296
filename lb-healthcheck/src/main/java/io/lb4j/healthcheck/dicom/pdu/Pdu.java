package io.lb4j.healthcheck.dicom.pdu;

/**
 * A DICOM Upper Layer protocol data unit (PS3.8 section 9.3), as an immutable value. Every PDU starts with the same
 * six-byte header; all PDU and item fields are big-endian:
 *
 * <pre>
 *  0        1        2        3        4        5        6
 * +--------+--------+--------+--------+--------+--------+-------------------
 * |  type  |reserved|  PDU length: bytes after this field (uint32)  | body ...
 * +--------+--------+--------+--------+--------+--------+-------------------
 * </pre>
 *
 * <p>{@link #encode()} gives a PDU's bytes for the wire; {@link PduCodec} turns bytes back into a PDU or a
 * {@link MalformedPduException}. Reserved fields are written as zeros and never tested when read, as PS3.8 asks.
 *
 * <p>lb4j-internal: shared by the C-ECHO health check and the demo's SCP; not a supported API.
 */
public sealed interface Pdu permits AssociateRq, AssociateAc, AssociateRj, PDataTf, ReleaseRq, ReleaseRp, Abort {

    int TYPE_OFFSET = 0;
    int LENGTH_OFFSET = 2;
    int HEADER_LENGTH = 6;

    int A_ASSOCIATE_RQ = 0x01;
    int A_ASSOCIATE_AC = 0x02;
    int A_ASSOCIATE_RJ = 0x03;
    int P_DATA_TF = 0x04;
    int A_RELEASE_RQ = 0x05;
    int A_RELEASE_RP = 0x06;
    int A_ABORT = 0x07;

    /** The PDU type, the header's first byte: {@link #A_ASSOCIATE_RQ} ... {@link #A_ABORT}. */
    int type();

    /** The whole PDU, header included, as it goes on the wire. */
    byte[] encode();

    /** The standard's name for a PDU type, e.g. {@code "A-ASSOCIATE-AC"}, or {@code "unknown PDU type 0x48"}. */
    static String name(int type) {
        return switch (type) {
            case A_ASSOCIATE_RQ -> "A-ASSOCIATE-RQ";
            case A_ASSOCIATE_AC -> "A-ASSOCIATE-AC";
            case A_ASSOCIATE_RJ -> "A-ASSOCIATE-RJ";
            case P_DATA_TF -> "P-DATA-TF";
            case A_RELEASE_RQ -> "A-RELEASE-RQ";
            case A_RELEASE_RP -> "A-RELEASE-RP";
            case A_ABORT -> "A-ABORT";
            default -> String.format("unknown PDU type 0x%02X", type);
        };
    }
}
