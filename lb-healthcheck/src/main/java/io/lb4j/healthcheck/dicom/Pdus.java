package io.lb4j.healthcheck.dicom;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.charset.StandardCharsets;

/**
 * The few DICOM upper-layer PDUs (PS3.8 section 9.3) and DIMSE command sets (PS3.7) a C-ECHO needs. Every PDU
 * starts with the same header; all multi-byte PDU fields are big-endian, DIMSE command elements little-endian:
 *
 * <pre>
 *  0        1        2                                   6
 * +--------+--------+--------+--------+--------+--------+------------------
 * |  type  |reserved|       PDU length (bytes after it, uint32 BE)       | ...
 * +--------+--------+--------+--------+--------+--------+------------------
 * </pre>
 */
final class Pdus {

    static final int A_ASSOCIATE_RQ = 0x01;
    static final int A_ASSOCIATE_AC = 0x02;
    static final int A_ASSOCIATE_RJ = 0x03;
    static final int P_DATA_TF = 0x04;
    static final int A_RELEASE_RQ = 0x05;
    static final int A_RELEASE_RP = 0x06;
    static final int A_ABORT = 0x07;

    static final int HEADER_LENGTH = 6;
    static final int LENGTH_OFFSET = 2;

    static final String APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";
    static final String VERIFICATION_SOP_CLASS = "1.2.840.10008.1.1";
    static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
    /** A UUID-derived UID (PS3.5 B.2): lb4j's implementation class UID. */
    static final String IMPLEMENTATION_CLASS_UID = "2.25.163417018337462081640738063493546316913";
    static final String IMPLEMENTATION_VERSION = "LB4J_0.1";

    static final int PRESENTATION_CONTEXT_ID = 1;
    /** The largest P-DATA-TF PDU we accept; a C-ECHO-RSP is about 100 bytes. */
    static final int MAX_PDU_LENGTH = 16384;

    static final int C_ECHO_RQ = 0x0030;
    static final int C_ECHO_RSP = 0x8030;
    static final int NO_DATA_SET = 0x0101;

    private Pdus() {
    }

    static String pduName(int type) {
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

    /** A-ASSOCIATE-RQ proposing Verification with Implicit VR Little Endian as presentation context 1. */
    static ByteBuf associateRq(ByteBufAllocator alloc, String calling, String called) {
        ByteBuf b = alloc.buffer(256);
        b.writeByte(A_ASSOCIATE_RQ).writeByte(0).writeInt(0); // length patched below
        b.writeShort(0x0001).writeShort(0);                    // protocol version 1, reserved
        aeTitle(b, called);
        aeTitle(b, calling);
        b.writeZero(32);
        uidItem(b, 0x10, APPLICATION_CONTEXT);
        // Presentation context item: id, 3 reserved bytes, abstract syntax, one transfer syntax.
        int pc = b.writerIndex();
        b.writeByte(0x20).writeByte(0).writeShort(0);
        b.writeByte(PRESENTATION_CONTEXT_ID).writeByte(0).writeByte(0).writeByte(0);
        uidItem(b, 0x30, VERIFICATION_SOP_CLASS);
        uidItem(b, 0x40, IMPLICIT_VR_LITTLE_ENDIAN);
        b.setShort(pc + 2, b.writerIndex() - pc - 4);
        // User information: maximum length we receive, implementation class UID and version name.
        int ui = b.writerIndex();
        b.writeByte(0x50).writeByte(0).writeShort(0);
        b.writeByte(0x51).writeByte(0).writeShort(4).writeInt(MAX_PDU_LENGTH);
        uidItem(b, 0x52, IMPLEMENTATION_CLASS_UID);
        uidItem(b, 0x55, IMPLEMENTATION_VERSION);
        b.setShort(ui + 2, b.writerIndex() - ui - 4);
        b.setInt(LENGTH_OFFSET, b.writerIndex() - HEADER_LENGTH);
        return b;
    }

    /** One P-DATA-TF with the whole C-ECHO-RQ command set as its last command fragment. */
    static ByteBuf echoRq(ByteBufAllocator alloc, int messageId) {
        ByteBuf command = alloc.buffer(96);
        int lengthAt = element(command, 0x0000, 4);
        command.writeIntLE(0); // patched: group length counts the bytes after this element
        int start = command.writerIndex();
        byte[] uid = evenPadded(VERIFICATION_SOP_CLASS);
        element(command, 0x0002, uid.length);
        command.writeBytes(uid);
        element(command, 0x0100, 2);
        command.writeShortLE(C_ECHO_RQ);
        element(command, 0x0110, 2);
        command.writeShortLE(messageId);
        element(command, 0x0800, 2);
        command.writeShortLE(NO_DATA_SET);
        command.setIntLE(lengthAt + 8, command.writerIndex() - start);

        ByteBuf b = alloc.buffer(HEADER_LENGTH + 6 + command.readableBytes());
        b.writeByte(P_DATA_TF).writeByte(0).writeInt(4 + 2 + command.readableBytes());
        b.writeInt(2 + command.readableBytes());            // PDV item length
        b.writeByte(PRESENTATION_CONTEXT_ID);
        b.writeByte(0x03);                                  // command, last fragment
        b.writeBytes(command);
        command.release();
        return b;
    }

    static ByteBuf releaseRq(ByteBufAllocator alloc) {
        return alloc.buffer(10).writeByte(A_RELEASE_RQ).writeByte(0).writeInt(4).writeInt(0);
    }

    static ByteBuf releaseRp(ByteBufAllocator alloc) {
        return alloc.buffer(10).writeByte(A_RELEASE_RP).writeByte(0).writeInt(4).writeInt(0);
    }

    static ByteBuf abort(ByteBufAllocator alloc) {
        return alloc.buffer(10).writeByte(A_ABORT).writeByte(0).writeInt(4).writeInt(0);
    }

    /** Writes an implicit-VR little-endian element header and returns where it starts. */
    private static int element(ByteBuf b, int element, int length) {
        int at = b.writerIndex();
        b.writeShortLE(0x0000).writeShortLE(element).writeIntLE(length);
        return at;
    }

    private static byte[] evenPadded(String uid) {
        byte[] raw = uid.getBytes(StandardCharsets.US_ASCII);
        return raw.length % 2 == 0 ? raw : java.util.Arrays.copyOf(raw, raw.length + 1); // UI pads with NUL
    }

    private static void uidItem(ByteBuf b, int type, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        b.writeByte(type).writeByte(0).writeShort(v.length).writeBytes(v);
    }

    private static void aeTitle(ByteBuf b, String title) {
        byte[] v = title.getBytes(StandardCharsets.US_ASCII);
        b.writeBytes(v);
        for (int i = v.length; i < 16; i++) {
            b.writeByte(' ');
        }
    }

    /** Why an association was rejected, from the A-ASSOCIATE-RJ result, source and reason bytes (PS3.8 9.3.4). */
    static String rejectReason(int result, int source, int reason) {
        String why = switch (source) {
            case 1 -> switch (reason) {
                case 1 -> "no reason given";
                case 2 -> "application context name not supported";
                case 3 -> "calling AE title not recognized";
                case 7 -> "called AE title not recognized";
                default -> "service user reason " + reason;
            };
            case 2 -> switch (reason) {
                case 1 -> "no reason given (ACSE)";
                case 2 -> "protocol version not supported";
                default -> "ACSE reason " + reason;
            };
            case 3 -> switch (reason) {
                case 1 -> "temporary congestion";
                case 2 -> "local limit exceeded";
                default -> "presentation reason " + reason;
            };
            default -> "source " + source + " reason " + reason;
        };
        String kind = result == 1 ? "" : result == 2 ? " (transient)" : " (result " + result + ")";
        return "association rejected" + kind + ": " + why;
    }

    /** Why an association was aborted, from the A-ABORT source and reason bytes (PS3.8 9.3.8). */
    static String abortReason(int source, int reason) {
        if (source == 0) {
            return "association aborted by the peer (service user)";
        }
        String why = switch (reason) {
            case 0 -> "reason not specified";
            case 1 -> "unrecognized PDU";
            case 2 -> "unexpected PDU";
            case 4 -> "unrecognized PDU parameter";
            case 5 -> "unexpected PDU parameter";
            case 6 -> "invalid PDU parameter value";
            default -> "reason " + reason;
        };
        return "association aborted by the peer (service provider): " + why;
    }

    /** Why presentation context 1 was not accepted (PS3.8 9.3.3.2). */
    static String presentationReason(int result) {
        return switch (result) {
            case 1 -> "user rejection";
            case 2 -> "no reason";
            case 3 -> "abstract syntax not supported";
            case 4 -> "transfer syntaxes not supported";
            default -> "result " + result;
        };
    }
}
