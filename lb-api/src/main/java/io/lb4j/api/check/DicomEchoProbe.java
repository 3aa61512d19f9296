package io.lb4j.api.check;

import java.util.Objects;
import java.util.Optional;

/**
 * A DICOM verification: open an association proposing the Verification SOP Class (1.2.840.10008.1.1) with Implicit
 * VR Little Endian, send a C-ECHO-RQ, and pass only on a C-ECHO-RSP with status 0x0000, then release the
 * association. A hung PACS that still accepts TCP connections fails this probe, not a connect probe.
 *
 * <p>AE titles are 1-16 characters of printable ASCII without a backslash and not only spaces (PS3.5 AE value
 * representation). Defaults: calling {@value #DEFAULT_CALLING_AE_TITLE}, called {@value #DEFAULT_CALLED_AE_TITLE};
 * most PACS refuse associations addressed to an AE title they do not know, so set the called title to the PACS's.
 *
 * <p>With {@link #tls(DicomTls)} the association runs over DICOM TLS and the PACS's certificate is verified; see
 * {@link DicomTls}.
 *
 * @param callingAeTitle the AE title the balancer presents
 * @param calledAeTitle  the AE title of the real server's DICOM service
 * @param tls            DICOM TLS settings; empty for plain TCP
 */
public record DicomEchoProbe(String callingAeTitle, String calledAeTitle, Optional<DicomTls> tls) implements Probe {

    /** Calling AE title when none is given. */
    public static final String DEFAULT_CALLING_AE_TITLE = "LB4J";
    /** Called AE title when none is given. */
    public static final String DEFAULT_CALLED_AE_TITLE = "ANY-SCP";

    private static final DicomEchoProbe DEFAULTS = new DicomEchoProbe(DEFAULT_CALLING_AE_TITLE, DEFAULT_CALLED_AE_TITLE);

    /**
     * Validates both titles.
     *
     * @throws IllegalArgumentException naming the title that is not a valid AE title
     * @throws NullPointerException     naming a missing title
     */
    public DicomEchoProbe {
        AeTitles.check("dicomEcho.callingAeTitle", callingAeTitle);
        AeTitles.check("dicomEcho.calledAeTitle", calledAeTitle);
        Objects.requireNonNull(tls, "dicomEcho.tls");
    }

    /** The given titles over plain TCP. */
    public DicomEchoProbe(String callingAeTitle, String calledAeTitle) {
        this(callingAeTitle, calledAeTitle, Optional.empty());
    }

    /** Calling {@value #DEFAULT_CALLING_AE_TITLE}, called {@value #DEFAULT_CALLED_AE_TITLE}. */
    public static DicomEchoProbe defaults() {
        return DEFAULTS;
    }

    /** The given titles. */
    public static DicomEchoProbe of(String callingAeTitle, String calledAeTitle) {
        return new DicomEchoProbe(callingAeTitle, calledAeTitle);
    }

    /** This probe with another called AE title; {@code this} when unchanged. */
    public DicomEchoProbe withCalledAeTitle(String title) {
        return title.equals(calledAeTitle) ? this : new DicomEchoProbe(callingAeTitle, title, tls);
    }

    /** This probe with another calling AE title; {@code this} when unchanged. */
    public DicomEchoProbe withCallingAeTitle(String title) {
        return title.equals(callingAeTitle) ? this : new DicomEchoProbe(title, calledAeTitle, tls);
    }

    /** This probe over DICOM TLS with {@code settings}; {@code this} when unchanged. */
    public DicomEchoProbe tls(DicomTls settings) {
        Objects.requireNonNull(settings, "tls");
        return tls.equals(Optional.of(settings)) ? this : new DicomEchoProbe(callingAeTitle, calledAeTitle,
                Optional.of(settings));
    }

    @Override
    public String type() {
        return "dicomEcho";
    }
}
