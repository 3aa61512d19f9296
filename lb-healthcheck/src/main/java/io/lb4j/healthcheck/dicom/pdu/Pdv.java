package io.lb4j.healthcheck.dicom.pdu;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One presentation data value item of a {@link PDataTf} (PS3.8 9.3.5.1, annex E.2): a fragment of a DIMSE command set
 * or data set, sent on one presentation context.
 *
 * <pre>
 *  0                                   4              5                 6
 * +--------+--------+--------+--------+--------------+-----------------+------------------
 * |  item length (uint32): bytes after |  context ID  | message control | fragment ...
 * +--------+--------+--------+--------+--------------+-----------------+------------------
 *  message control header: bit 0 set = command, clear = data set; bit 1 set = last fragment
 * </pre>
 *
 * <p>Immutable: the fragment is copied in and out. lb4j-internal.
 *
 * @param presentationContextId the accepted presentation context the fragment belongs to
 * @param command               a command set fragment, not a data set fragment
 * @param last                  the last fragment of its command set or data set
 * @param fragment              the fragment's bytes
 */
public record Pdv(int presentationContextId, boolean command, boolean last, byte[] fragment) {

    public static final int ITEM_LENGTH_OFFSET = 0;
    public static final int CONTEXT_ID_OFFSET = 4;
    public static final int CONTROL_OFFSET = 5;
    public static final int FRAGMENT_OFFSET = 6;

    static final int COMMAND_BIT = 0x01;
    static final int LAST_BIT = 0x02;

    /**
     * @throws IllegalArgumentException when the context ID does not fit its byte
     * @throws NullPointerException     when the fragment is missing
     */
    public Pdv {
        Values.unsigned("presentation context id", presentationContextId, 0xFF);
        fragment = fragment.clone();
    }

    /** A copy of the fragment's bytes. */
    @Override
    public byte[] fragment() {
        return fragment.clone();
    }

    void write(WireWriter w) {
        w.u32(2L + fragment.length).u8(presentationContextId)
                .u8((command ? COMMAND_BIT : 0) | (last ? LAST_BIT : 0)).bytes(fragment);
    }

    /** Reads one PDV item of a P-DATA-TF body; reserved control bits are not tested. */
    static Pdv decode(WireReader body) throws MalformedPduException {
        long length = body.u32("PDV item length");
        if (length < FRAGMENT_OFFSET - CONTEXT_ID_OFFSET) {
            throw body.malformed("PDV item length " + length + " (expected: at least 2)");
        }
        WireReader item = body.sub(length, "PDV item");
        int contextId = item.u8("presentation context id");
        int control = item.u8("message control header");
        return new Pdv(contextId, (control & COMMAND_BIT) != 0, (control & LAST_BIT) != 0,
                item.bytes(item.remaining(), "fragment"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pdv p && presentationContextId == p.presentationContextId && command == p.command
                && last == p.last && Arrays.equals(fragment, p.fragment);
    }

    @Override
    public int hashCode() {
        return (presentationContextId * 31 + (command ? 2 : 0) + (last ? 1 : 0)) * 31 + Arrays.hashCode(fragment);
    }

    @Override
    public String toString() {
        return "Pdv[presentationContextId=" + presentationContextId + ", command=" + command + ", last=" + last
                + ", fragment=" + HexFormat.of().formatHex(fragment) + "]";
    }
}
