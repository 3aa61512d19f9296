package io.lb4j.healthcheck.dicom.pdu;

/**
 * The answer to one proposed {@link PresentationContext}, in an {@link AssociateAc} (PS3.8 9.3.3.2): accepted with
 * one transfer syntax, or refused and why.
 *
 * <pre>
 *  item 0x21: | 0x21 | rsvd | length (uint16) | id | rsvd | result | rsvd | transfer syntax 0x40 |
 * </pre>
 *
 * <p>lb4j-internal.
 *
 * @param id             the ID of the proposed context this answers
 * @param result         {@link #ACCEPTANCE}, or why not: {@link #USER_REJECTION} ...
 *                       {@link #TRANSFER_SYNTAXES_NOT_SUPPORTED}
 * @param transferSyntax the transfer syntax chosen; not significant unless accepted, empty when the peer sent none
 */
public record PresentationContextResult(int id, int result, String transferSyntax) {

    public static final int ACCEPTANCE = 0;
    public static final int USER_REJECTION = 1;
    public static final int NO_REASON = 2;
    public static final int ABSTRACT_SYNTAX_NOT_SUPPORTED = 3;
    public static final int TRANSFER_SYNTAXES_NOT_SUPPORTED = 4;

    /**
     * @throws IllegalArgumentException when a field does not fit its place on the wire
     * @throws NullPointerException     naming a missing field
     */
    public PresentationContextResult {
        Values.unsigned("presentation context id", id, 0xFF);
        Values.unsigned("result", result, 0xFF);
        Values.text("transfer syntax", transferSyntax, WireWriter.MAX_ITEM_LENGTH);
    }

    public boolean accepted() {
        return result == ACCEPTANCE;
    }

    /** The result in words: {@code "acceptance"}, {@code "abstract syntax not supported"}, ... */
    public String describe() {
        return switch (result) {
            case ACCEPTANCE -> "acceptance";
            case USER_REJECTION -> "user rejection";
            case NO_REASON -> "no reason";
            case ABSTRACT_SYNTAX_NOT_SUPPORTED -> "abstract syntax not supported";
            case TRANSFER_SYNTAXES_NOT_SUPPORTED -> "transfer syntaxes not supported";
            default -> "result " + result;
        };
    }

    void write(WireWriter w) {
        int at = w.beginItem(Items.PRESENTATION_CONTEXT_AC);
        w.u8(id).u8(0).u8(result).u8(0);
        if (!transferSyntax.isEmpty()) {
            w.textItem(Items.TRANSFER_SYNTAX, transferSyntax);
        }
        w.endItem(at, "presentation context item " + id);
    }

    static PresentationContextResult decode(WireReader value) throws MalformedPduException {
        int id = value.u8("presentation context id");
        value.skip(1, "reserved byte");
        int result = value.u8("result");
        value.skip(1, "reserved byte");
        String transferSyntax = "";
        while (value.hasRemaining()) {
            Items.Item sub = Items.next(value);
            if (sub.type() == Items.TRANSFER_SYNTAX) {
                transferSyntax = Items.text(sub.value());
            }
        }
        return new PresentationContextResult(id, result, transferSyntax);
    }
}
