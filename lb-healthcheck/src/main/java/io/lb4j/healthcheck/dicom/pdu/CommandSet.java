package io.lb4j.healthcheck.dicom.pdu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A DIMSE command set (PS3.7 section 9.3 and annex E): the elements of group 0000 that say what a message does,
 * always in Implicit VR Little Endian. Each element:
 *
 * <pre>
 *  0                 2                 4                                   8
 * +--------+--------+--------+--------+--------+--------+--------+--------+-------------
 * |  group (uint16) | element (uint16)|      value length (uint32)        | value ...
 * +--------+--------+--------+--------+--------+--------+--------+--------+-------------
 *  all little-endian; the set starts with (0000,0000) Command Group Length, the bytes of the elements after it
 * </pre>
 *
 * <p>lb4j writes and reads the elements of C-ECHO-RQ/RSP (PS3.7 9.3.5) and C-FIND-RQ/RSP (PS3.7 9.3.2); any other
 * element is skipped when read. Absent numeric fields are {@value #ABSENT}. lb4j-internal.
 *
 * @param commandField              what the message is, e.g. {@link #C_ECHO_RQ}
 * @param affectedSopClassUid       (0000,0002), e.g. {@link Uids#VERIFICATION}; empty when absent
 * @param messageId                 (0000,0110) of a request
 * @param messageIdBeingRespondedTo (0000,0120) of a response
 * @param priority                  (0000,0700) of a C-FIND-RQ: {@link #PRIORITY_MEDIUM}, ...
 * @param commandDataSetType        (0000,0800): {@link #NO_DATA_SET}, or any other value when a data set follows
 * @param status                    (0000,0900) of a response: {@link #SUCCESS} or an error or warning code
 */
public record CommandSet(int commandField, String affectedSopClassUid, int messageId, int messageIdBeingRespondedTo,
                         int priority, int commandDataSetType, int status) {

    public static final int ABSENT = -1;

    public static final int C_ECHO_RQ = 0x0030;
    public static final int C_ECHO_RSP = 0x8030;
    public static final int C_FIND_RQ = 0x0020;
    public static final int C_FIND_RSP = 0x8020;
    public static final int NO_DATA_SET = 0x0101;
    /** A data set follows; any value but {@link #NO_DATA_SET} says so, this is the one DCMTK writes. */
    public static final int DATA_SET_PRESENT = 0x0000;
    public static final int PRIORITY_MEDIUM = 0x0000;
    public static final int SUCCESS = 0x0000;
    /** C-FIND pending: a match follows (0xFF00), or one whose optional keys were not all supported (0xFF01). */
    public static final int PENDING = 0xFF00;
    public static final int PENDING_WARNING = 0xFF01;

    /** Element numbers in group 0000. */
    public static final int COMMAND_GROUP_LENGTH = 0x0000;
    public static final int AFFECTED_SOP_CLASS_UID = 0x0002;
    public static final int COMMAND_FIELD = 0x0100;
    public static final int MESSAGE_ID = 0x0110;
    public static final int MESSAGE_ID_BEING_RESPONDED_TO = 0x0120;
    public static final int PRIORITY = 0x0700;
    public static final int COMMAND_DATA_SET_TYPE = 0x0800;
    public static final int STATUS = 0x0900;

    private static final int ELEMENT_HEADER_LENGTH = 8;
    private static final int COMMAND_GROUP = 0x0000;

    /** @throws IllegalArgumentException when a field does not fit its element */
    public CommandSet {
        Values.unsigned("command field", commandField, 0xFFFF);
        Values.text("affected SOP class UID", affectedSopClassUid, 0xFFFF);
        Values.optional("message id", messageId, 0xFFFF);
        Values.optional("message id being responded to", messageIdBeingRespondedTo, 0xFFFF);
        Values.optional("priority", priority, 0xFFFF);
        Values.optional("command data set type", commandDataSetType, 0xFFFF);
        Values.optional("status", status, 0xFFFF);
    }

    /** C-ECHO-RQ: verify the peer is there (PS3.7 9.3.5.1). */
    public static CommandSet echoRq(int messageId) {
        return new CommandSet(C_ECHO_RQ, Uids.VERIFICATION, messageId, ABSENT, ABSENT, NO_DATA_SET, ABSENT);
    }

    /** C-ECHO-RSP answering the request with {@code messageIdBeingRespondedTo} (PS3.7 9.3.5.2). */
    public static CommandSet echoRsp(int messageIdBeingRespondedTo, int status) {
        return new CommandSet(C_ECHO_RSP, Uids.VERIFICATION, ABSENT, messageIdBeingRespondedTo, ABSENT, NO_DATA_SET,
                status);
    }

    /** C-FIND-RQ in the Study Root model at medium priority; its identifier follows as a data set (PS3.7 9.3.2.1). */
    public static CommandSet studyRootFindRq(int messageId) {
        return new CommandSet(C_FIND_RQ, Uids.STUDY_ROOT_QUERY_FIND, messageId, ABSENT, PRIORITY_MEDIUM,
                DATA_SET_PRESENT, ABSENT);
    }

    /** Whether {@code status} is a C-FIND pending status: a match, with more to come. */
    public static boolean isPending(int status) {
        return status == PENDING || status == PENDING_WARNING;
    }

    /** The command set's bytes, elements in ascending order, absent ones left out, UIDs padded to even length. */
    public byte[] encode() {
        WireWriter w = WireWriter.littleEndian();
        w.u16(COMMAND_GROUP).u16(COMMAND_GROUP_LENGTH).u32(4).u32(0);
        int start = w.position();
        if (!affectedSopClassUid.isEmpty()) {
            byte[] uid = affectedSopClassUid.getBytes(StandardCharsets.ISO_8859_1);
            byte[] even = Arrays.copyOf(uid, uid.length + (uid.length & 1)); // UI pads with one NUL (PS3.5 6.2)
            w.u16(COMMAND_GROUP).u16(AFFECTED_SOP_CLASS_UID).u32(even.length).bytes(even);
        }
        unsignedShort(w, COMMAND_FIELD, commandField);
        unsignedShort(w, MESSAGE_ID, messageId);
        unsignedShort(w, MESSAGE_ID_BEING_RESPONDED_TO, messageIdBeingRespondedTo);
        unsignedShort(w, PRIORITY, priority);
        unsignedShort(w, COMMAND_DATA_SET_TYPE, commandDataSetType);
        unsignedShort(w, STATUS, status);
        w.patchU32(start - 4, w.position() - start);
        return w.toByteArray();
    }

    /**
     * Reads a whole command set (all its fragments joined).
     *
     * @throws MalformedPduException when an element runs past the end, a US element is not two bytes long, or
     *                               there is no command field
     */
    public static CommandSet decode(byte[] commandSet) throws MalformedPduException {
        WireReader r = new WireReader(ByteBuffer.wrap(commandSet), ByteOrder.LITTLE_ENDIAN, "command set");
        int field = ABSENT;
        String sopClass = "";
        int messageId = ABSENT;
        int respondedTo = ABSENT;
        int priority = ABSENT;
        int dataSetType = ABSENT;
        int status = ABSENT;
        while (r.hasRemaining()) {
            int group = r.u16("element group");
            int element = r.u16("element number");
            String tag = String.format("(%04X,%04X)", group, element);
            WireReader value = r.sub(r.u32(tag + " length"), tag);
            if (group != COMMAND_GROUP) {
                continue; // a command set holds group 0000 only; tolerate strays
            }
            switch (element) {
                case AFFECTED_SOP_CLASS_UID -> sopClass = value.text(value.remaining(), "value");
                case COMMAND_FIELD -> field = unsignedShort(value);
                case MESSAGE_ID -> messageId = unsignedShort(value);
                case MESSAGE_ID_BEING_RESPONDED_TO -> respondedTo = unsignedShort(value);
                case PRIORITY -> priority = unsignedShort(value);
                case COMMAND_DATA_SET_TYPE -> dataSetType = unsignedShort(value);
                case STATUS -> status = unsignedShort(value);
                default -> { } // group length, error comment, ...: not needed for C-ECHO or C-FIND
            }
        }
        if (field == ABSENT) {
            throw r.malformed("no command field (0000,0100)");
        }
        return new CommandSet(field, sopClass, messageId, respondedTo, priority, dataSetType, status);
    }

    private static void unsignedShort(WireWriter w, int element, int value) {
        if (value != ABSENT) {
            w.u16(COMMAND_GROUP).u16(element).u32(2).u16(value);
        }
    }

    private static int unsignedShort(WireReader value) throws MalformedPduException {
        if (value.remaining() != 2) {
            throw value.malformed("length " + value.remaining() + " (expected: 2, value representation US)");
        }
        return value.u16("value");
    }
}
