package io.lb4j.healthcheck.dicom.pdu;

import java.io.IOException;

/**
 * Bytes from a peer that are not a well-formed PDU or command set: truncated, a length past the end of what holds
 * it, a length above the agreed maximum, an unknown PDU type. The message names the PDU, the field and the numbers,
 * e.g. {@code "A-ASSOCIATE-AC: presentation context item: length 120 runs past the end (40 bytes left)"}; the
 * {@linkplain #abortReason() abort reason} is what an A-ABORT answering it should carry.
 *
 * <p>This is the only exception {@link PduCodec}, {@link CommandSet#decode} and {@link CommandAssembler} throw for
 * bad input: hostile bytes never surface as an {@code IndexOutOfBoundsException} or an oversized allocation. It is
 * an {@link IOException} because a corrupt stream is one (as {@link java.util.zip.ZipException} is).
 */
public final class MalformedPduException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int abortReason;

    /**
     * @param abortReason one of the {@link Abort} reason codes, e.g. {@link Abort#INVALID_PARAMETER_VALUE}
     * @param message     what is wrong, naming the PDU, the field and the numbers
     */
    public MalformedPduException(int abortReason, String message) {
        super(message);
        this.abortReason = abortReason;
    }

    /** The A-ABORT reason (PS3.8 table 9-26) that fits: unrecognized PDU, invalid parameter value, ... */
    public int abortReason() {
        return abortReason;
    }
}
