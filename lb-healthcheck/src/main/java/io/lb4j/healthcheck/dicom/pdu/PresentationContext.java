package io.lb4j.healthcheck.dicom.pdu;

import java.util.ArrayList;
import java.util.List;

/**
 * One presentation context an {@link AssociateRq} proposes (PS3.8 9.3.2.2): an abstract syntax (the SOP class) and
 * the transfer syntaxes the requestor can use for it.
 *
 * <pre>
 *  item 0x20: | 0x20 | rsvd | length (uint16) | id | rsvd | rsvd | rsvd | abstract syntax 0x30 | transfer syntax
 *             0x40 | transfer syntax 0x40 ... |
 * </pre>
 *
 * <p>lb4j-internal.
 *
 * @param id               the context's ID, odd, 1-255 (PS3.8 9.3.2.2), echoed in the answer and in every PDV
 * @param abstractSyntax   a SOP class UID, e.g. {@link Uids#VERIFICATION}
 * @param transferSyntaxes transfer syntax UIDs in order of preference
 */
public record PresentationContext(int id, String abstractSyntax, List<String> transferSyntaxes) {

    /**
     * @throws IllegalArgumentException when a field does not fit its place on the wire
     * @throws NullPointerException     naming a missing field
     */
    public PresentationContext {
        Values.unsigned("presentation context id", id, 0xFF);
        Values.text("abstract syntax", abstractSyntax, WireWriter.MAX_ITEM_LENGTH);
        transferSyntaxes = List.copyOf(transferSyntaxes);
        for (String ts : transferSyntaxes) {
            Values.text("transfer syntax", ts, WireWriter.MAX_ITEM_LENGTH);
        }
    }

    void write(WireWriter w) {
        int at = w.beginItem(Items.PRESENTATION_CONTEXT_RQ);
        w.u8(id).zeros(3);
        w.textItem(Items.ABSTRACT_SYNTAX, abstractSyntax);
        for (String ts : transferSyntaxes) {
            w.textItem(Items.TRANSFER_SYNTAX, ts);
        }
        w.endItem(at, "presentation context item " + id);
    }

    static PresentationContext decode(WireReader value) throws MalformedPduException {
        int id = value.u8("presentation context id");
        value.skip(3, "reserved bytes");
        String abstractSyntax = "";
        List<String> transferSyntaxes = new ArrayList<>();
        while (value.hasRemaining()) {
            Items.Item sub = Items.next(value);
            switch (sub.type()) {
                case Items.ABSTRACT_SYNTAX -> abstractSyntax = Items.text(sub.value());
                case Items.TRANSFER_SYNTAX -> transferSyntaxes.add(Items.text(sub.value()));
                default -> { } // unknown sub-items are skipped
            }
        }
        return new PresentationContext(id, abstractSyntax, transferSyntaxes);
    }
}
