package io.lb4j.healthcheck.dicom.pdu;

import java.io.ByteArrayOutputStream;
import java.util.Optional;

/**
 * Joins the command fragments of {@link Pdv}s, which may span several P-DATA-TF PDUs, into {@link CommandSet}s
 * (PS3.8 annex E.2): one is complete when a fragment has the last-fragment bit. Data set fragments are ignored;
 * C-ECHO has none. At most {@code maxLength} bytes are held, so a peer cannot make it grow without bound.
 *
 * <p>Not thread-safe: one per association. lb4j-internal.
 */
public final class CommandAssembler {

    private final int maxLength;
    private final ByteArrayOutputStream fragments = new ByteArrayOutputStream();

    /**
     * @param maxLength the longest command set accepted, in bytes
     * @throws IllegalArgumentException when negative
     */
    public CommandAssembler(int maxLength) {
        this.maxLength = Values.unsigned("maxLength", maxLength, Integer.MAX_VALUE);
    }

    /**
     * Adds one PDV.
     *
     * @return the command set its last fragment completes; empty until then, and for data set fragments
     * @throws MalformedPduException when the command set grows past {@code maxLength} or does not decode; what was
     *                               gathered is dropped
     */
    public Optional<CommandSet> add(Pdv pdv) throws MalformedPduException {
        if (!pdv.command()) {
            return Optional.empty();
        }
        byte[] fragment = pdv.fragment();
        if (fragment.length > maxLength - fragments.size()) {
            fragments.reset();
            throw new MalformedPduException(Abort.INVALID_PARAMETER_VALUE,
                    "command set longer than " + maxLength + " bytes");
        }
        fragments.writeBytes(fragment);
        if (!pdv.last()) {
            return Optional.empty();
        }
        byte[] command = fragments.toByteArray();
        fragments.reset();
        return Optional.of(CommandSet.decode(command));
    }
}
