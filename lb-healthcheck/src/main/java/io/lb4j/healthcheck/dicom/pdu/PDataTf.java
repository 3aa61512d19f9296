package io.lb4j.healthcheck.dicom.pdu;

import java.util.ArrayList;
import java.util.List;

/**
 * P-DATA-TF (PS3.8 9.3.5): carries DIMSE messages as one or more {@link Pdv} items, back to back.
 *
 * <pre>
 *  0        1        2                                   6
 * +--------+--------+--------+--------+--------+--------+---------------+---------------+-----
 * |  0x04  |reserved|  PDU length: bytes after (uint32) | PDV item      | PDV item      | ...
 * +--------+--------+--------+--------+--------+--------+---------------+---------------+-----
 * </pre>
 *
 * <p>lb4j-internal.
 *
 * @param pdvs the items, at least one
 */
public record PDataTf(List<Pdv> pdvs) implements Pdu {

    /**
     * @throws IllegalArgumentException when there is no PDV
     * @throws NullPointerException     when the list or an item is missing
     */
    public PDataTf {
        pdvs = List.copyOf(pdvs);
        if (pdvs.isEmpty()) {
            throw new IllegalArgumentException("pdvs: [] (expected: at least one PDV item)");
        }
    }

    /** A whole command set as one PDV, the last fragment of a command, on the given presentation context. */
    public static PDataTf command(int presentationContextId, CommandSet command) {
        return new PDataTf(List.of(new Pdv(presentationContextId, true, true, command.encode())));
    }

    /** A whole data set (e.g. a {@link QueryIdentifier}) as one PDV, its last fragment, on the given context. */
    public static PDataTf dataSet(int presentationContextId, byte[] dataSet) {
        return new PDataTf(List.of(new Pdv(presentationContextId, false, true, dataSet)));
    }

    @Override
    public int type() {
        return P_DATA_TF;
    }

    @Override
    public byte[] encode() {
        WireWriter w = WireWriter.pdu(P_DATA_TF);
        for (Pdv pdv : pdvs) {
            pdv.write(w);
        }
        return w.finishPdu();
    }

    static PDataTf decode(WireReader body) throws MalformedPduException {
        List<Pdv> pdvs = new ArrayList<>();
        while (body.hasRemaining()) {
            pdvs.add(Pdv.decode(body));
        }
        if (pdvs.isEmpty()) {
            throw body.malformed("no PDV item");
        }
        return new PDataTf(pdvs);
    }
}
