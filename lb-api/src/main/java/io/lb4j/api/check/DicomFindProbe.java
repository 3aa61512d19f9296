package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.util.Objects;
import java.util.Optional;

/**
 * A DICOM query: open an association proposing the Study Root Query/Retrieve Information Model - FIND
 * (1.2.840.10008.5.1.4.1.2.2.1) with Implicit VR Little Endian, send a C-FIND-RQ at study level, read every pending
 * response, and pass only on the final C-FIND-RSP with status Success (0x0000); then release the association. A
 * C-ECHO proves the DICOM service answers; this proves the PACS can also search its database, which a PACS whose
 * database is down or locked cannot.
 *
 * <p>The query's identifier: Query/Retrieve Level {@code STUDY}, Study Instance UID, and Patient ID. Both keys are
 * universal (empty) unless set. When {@link #studyInstanceUid()} or {@link #patientId()} is set, at least one
 * match (one pending response) is also required, so the check fails with {@code "C-FIND found no study matching
 * ..."} when a PACS answers but has lost the study a site keeps for this purpose. With neither set, any Success
 * passes, matches or not; the PACS's answer is not otherwise read.
 *
 * <p>AE titles as for {@link DicomEchoProbe}; with {@link #tls(DicomTls)} the association runs over DICOM TLS.
 *
 * @param callingAeTitle   the AE title the balancer presents
 * @param calledAeTitle    the AE title of the real server's DICOM service
 * @param studyInstanceUid a study that must be found; empty for any
 * @param patientId        a patient whose studies must be found; empty for any
 * @param tls              DICOM TLS settings; empty for plain TCP
 */
public record DicomFindProbe(String callingAeTitle, String calledAeTitle, String studyInstanceUid, String patientId,
                             Optional<DicomTls> tls) implements Probe {

    private static final DicomFindProbe DEFAULTS = new DicomFindProbe(DicomEchoProbe.DEFAULT_CALLING_AE_TITLE,
            DicomEchoProbe.DEFAULT_CALLED_AE_TITLE, "", "", Optional.empty());

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException naming a title that is not a valid AE title, a study UID that is not a UID
     *                                  (digits and dots, at most 64 characters; PS3.5 9.1), or a patient ID that
     *                                  is not at most 64 characters of printable ASCII without a backslash or
     *                                  {@code *?} (no wildcards: the check asks for one patient)
     * @throws NullPointerException     naming a missing field
     */
    public DicomFindProbe {
        AeTitles.check("dicomFind.callingAeTitle", callingAeTitle);
        AeTitles.check("dicomFind.calledAeTitle", calledAeTitle);
        Objects.requireNonNull(studyInstanceUid, "dicomFind.studyInstanceUid");
        Objects.requireNonNull(patientId, "dicomFind.patientId");
        Objects.requireNonNull(tls, "dicomFind.tls");
        if (studyInstanceUid.length() > 64 || !studyInstanceUid.matches("|(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*))*")) {
            throw Checks.invalid("dicomFind.studyInstanceUid", "\"" + studyInstanceUid + "\"",
                    "a UID: digits and dots, at most 64 characters, or empty");
        }
        if (patientId.length() > 64 || !patientId.matches("[\\x20-\\x7e&&[^\\\\*?]]*") || (!patientId.isEmpty()
                && patientId.isBlank())) {
            throw Checks.invalid("dicomFind.patientId", "\"" + patientId + "\"",
                    "at most 64 printable ASCII characters, no backslash or wildcard, or empty");
        }
    }

    /** Calling {@code LB4J}, called {@code ANY-SCP}, any study, plain TCP. */
    public static DicomFindProbe defaults() {
        return DEFAULTS;
    }

    /** The given titles, any study, plain TCP. */
    public static DicomFindProbe of(String callingAeTitle, String calledAeTitle) {
        return new DicomFindProbe(callingAeTitle, calledAeTitle, "", "", Optional.empty());
    }

    /** This probe asking for the study {@code uid}, which must be found; {@code this} when unchanged. */
    public DicomFindProbe study(String uid) {
        return uid.equals(studyInstanceUid) ? this : new DicomFindProbe(callingAeTitle, calledAeTitle, uid, patientId,
                tls);
    }

    /** This probe asking for the studies of patient {@code id}, one of which must be found; {@code this} when unchanged. */
    public DicomFindProbe patient(String id) {
        return id.equals(patientId) ? this : new DicomFindProbe(callingAeTitle, calledAeTitle, studyInstanceUid, id,
                tls);
    }

    /** This probe over DICOM TLS with {@code settings}; {@code this} when unchanged. */
    public DicomFindProbe tls(DicomTls settings) {
        Objects.requireNonNull(settings, "tls");
        return tls.equals(Optional.of(settings)) ? this : new DicomFindProbe(callingAeTitle, calledAeTitle,
                studyInstanceUid, patientId, Optional.of(settings));
    }

    /** Whether a match is required: a study or a patient is named. */
    public boolean requiresMatch() {
        return !studyInstanceUid.isEmpty() || !patientId.isEmpty();
    }

    @Override
    public String type() {
        return "dicomFind";
    }
}
