package io.lb4j.healthcheck.dicom.pdu;

/**
 * The user information item of A-ASSOCIATE-RQ and -AC (PS3.8 9.3.2.3, annex D): the largest P-DATA-TF PDU the sender
 * receives and which implementation it is. Sub-items lb4j does not use (asynchronous operations, role selection,
 * extended negotiation, user identity) are skipped when read.
 *
 * <pre>
 *  item 0x50:     | 0x50 | rsvd | length (uint16) | maximum length 0x51 | implementation class UID 0x52 |
 *                 | implementation version name 0x55 |
 *  sub-item 0x51: | 0x51 | rsvd | 0x0004          | maximum length (uint32, 0 = no limit) |
 * </pre>
 *
 * <p>lb4j-internal.
 *
 * @param maxPduLength              the largest PDU length the sender receives, 0 for no limit
 * @param implementationClassUid    identifies the sender's implementation
 * @param implementationVersionName 1-16 characters naming its version (PS3.8 D.3.3.2.3); empty to leave it out
 */
public record UserInformation(long maxPduLength, String implementationClassUid, String implementationVersionName) {

    /** The version name lb4j presents. */
    public static final String LB4J_VERSION_NAME = "LB4J_0.1";

    /**
     * @throws IllegalArgumentException when a field does not fit its place on the wire
     * @throws NullPointerException     naming a missing field
     */
    public UserInformation {
        if (maxPduLength < 0 || maxPduLength > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("maximum PDU length: " + maxPduLength + " (expected: 0-4294967295)");
        }
        Values.text("implementation class UID", implementationClassUid, WireWriter.MAX_ITEM_LENGTH);
        Values.text("implementation version name", implementationVersionName, WireWriter.MAX_ITEM_LENGTH);
    }

    /** lb4j's implementation class UID with the given version name. */
    public static UserInformation lb4j(long maxPduLength, String implementationVersionName) {
        return new UserInformation(maxPduLength, Uids.LB4J_IMPLEMENTATION_CLASS, implementationVersionName);
    }

    void write(WireWriter w) {
        int at = w.beginItem(Items.USER_INFORMATION);
        int max = w.beginItem(Items.MAXIMUM_LENGTH);
        w.u32(maxPduLength);
        w.endItem(max, Items.name(Items.MAXIMUM_LENGTH));
        w.textItem(Items.IMPLEMENTATION_CLASS_UID, implementationClassUid);
        if (!implementationVersionName.isEmpty()) {
            w.textItem(Items.IMPLEMENTATION_VERSION_NAME, implementationVersionName);
        }
        w.endItem(at, Items.name(Items.USER_INFORMATION));
    }

    static UserInformation decode(WireReader value) throws MalformedPduException {
        long maxPduLength = 0;
        String classUid = "";
        String versionName = "";
        while (value.hasRemaining()) {
            Items.Item sub = Items.next(value);
            switch (sub.type()) {
                case Items.MAXIMUM_LENGTH -> {
                    if (sub.value().remaining() != 4) {
                        throw sub.value().malformed("length " + sub.value().remaining() + " (expected: 4)");
                    }
                    maxPduLength = sub.value().u32("maximum length");
                }
                case Items.IMPLEMENTATION_CLASS_UID -> classUid = Items.text(sub.value());
                case Items.IMPLEMENTATION_VERSION_NAME -> versionName = Items.text(sub.value());
                default -> { } // sub-items lb4j does not negotiate
            }
        }
        return new UserInformation(maxPduLength, classUid, versionName);
    }
}
