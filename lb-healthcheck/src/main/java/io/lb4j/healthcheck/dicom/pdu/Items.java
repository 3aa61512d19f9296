package io.lb4j.healthcheck.dicom.pdu;

/**
 * The variable items of A-ASSOCIATE-RQ and -AC, and their sub-items (PS3.8 9.3.2.1 to 9.3.3.3, annex D). Every item
 * has the same four-byte head; its length counts the value only, so items nest:
 *
 * <pre>
 *  0        1        2                 4
 * +--------+--------+--------+--------+------------------
 * |  type  |reserved| length (uint16) | value ...
 * +--------+--------+--------+--------+------------------
 * </pre>
 *
 * <p>Items of a type the reader does not know are skipped, as PS3.8 9.3.1 asks.
 */
final class Items {

    static final int APPLICATION_CONTEXT = 0x10;
    static final int PRESENTATION_CONTEXT_RQ = 0x20;
    static final int PRESENTATION_CONTEXT_AC = 0x21;
    static final int ABSTRACT_SYNTAX = 0x30;
    static final int TRANSFER_SYNTAX = 0x40;
    static final int USER_INFORMATION = 0x50;
    static final int MAXIMUM_LENGTH = 0x51;
    static final int IMPLEMENTATION_CLASS_UID = 0x52;
    static final int IMPLEMENTATION_VERSION_NAME = 0x55;

    private Items() {
    }

    /** One item: its type and a reader of its value, bounded by the item's length. */
    record Item(int type, WireReader value) {
    }

    /** Reads the next item of {@code items}; call while {@code items.hasRemaining()}. */
    static Item next(WireReader items) throws MalformedPduException {
        int type = items.u8("item type");
        items.skip(1, name(type) + " reserved byte");
        int length = items.u16(name(type) + " length");
        return new Item(type, items.sub(length, name(type)));
    }

    /** The whole value as text (a UID or a name), padding stripped. */
    static String text(WireReader value) throws MalformedPduException {
        return value.text(value.remaining(), "value");
    }

    static String name(int type) {
        return switch (type) {
            case APPLICATION_CONTEXT -> "application context item";
            case PRESENTATION_CONTEXT_RQ, PRESENTATION_CONTEXT_AC -> "presentation context item";
            case ABSTRACT_SYNTAX -> "abstract syntax sub-item";
            case TRANSFER_SYNTAX -> "transfer syntax sub-item";
            case USER_INFORMATION -> "user information item";
            case MAXIMUM_LENGTH -> "maximum length sub-item";
            case IMPLEMENTATION_CLASS_UID -> "implementation class UID sub-item";
            case IMPLEMENTATION_VERSION_NAME -> "implementation version name sub-item";
            default -> String.format("item 0x%02X", type);
        };
    }
}
