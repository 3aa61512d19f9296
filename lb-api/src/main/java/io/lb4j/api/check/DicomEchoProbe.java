package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.util.Objects;

/**
 * A DICOM verification: open an association proposing the Verification SOP Class (1.2.840.10008.1.1) with Implicit
 * VR Little Endian, send a C-ECHO-RQ, and pass only on a C-ECHO-RSP with status 0x0000, then release the
 * association. A hung PACS that still accepts TCP connections fails this probe, not a connect probe.
 *
 * <p>AE titles are 1-16 characters of printable ASCII without a backslash and not only spaces (PS3.5 AE value
 * representation). Defaults: calling {@value #DEFAULT_CALLING_AE_TITLE}, called {@value #DEFAULT_CALLED_AE_TITLE};
 * most PACS refuse associations addressed to an AE title they do not know, so set the called title to the PACS's.
 *
 * @param callingAeTitle the AE title the balancer presents
 * @param calledAeTitle  the AE title of the real server's DICOM service
 */
public record DicomEchoProbe(String callingAeTitle, String calledAeTitle) implements Probe {

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
        aeTitle("dicomEcho.callingAeTitle", callingAeTitle);
        aeTitle("dicomEcho.calledAeTitle", calledAeTitle);
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
        return title.equals(calledAeTitle) ? this : new DicomEchoProbe(callingAeTitle, title);
    }

    /** This probe with another calling AE title; {@code this} when unchanged. */
    public DicomEchoProbe withCallingAeTitle(String title) {
        return title.equals(callingAeTitle) ? this : new DicomEchoProbe(title, calledAeTitle);
    }

    @Override
    public String type() {
        return "dicomEcho";
    }

    private static void aeTitle(String field, String title) {
        Objects.requireNonNull(title, field);
        String expected = "1-16 printable ASCII characters, no backslash, not only spaces";
        if (title.isEmpty() || title.length() > 16 || title.isBlank()) {
            throw Checks.invalid(field, "\"" + title + "\"", expected);
        }
        for (int i = 0; i < title.length(); i++) {
            char c = title.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '\\') {
                throw Checks.invalid(field, "\"" + title + "\"", expected);
            }
        }
    }
}
