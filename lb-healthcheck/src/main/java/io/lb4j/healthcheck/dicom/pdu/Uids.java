package io.lb4j.healthcheck.dicom.pdu;

/**
 * The UIDs a Verification (C-ECHO) or query (C-FIND) association names (PS3.6 annex A), and lb4j's own implementation class UID.
 * <p>lb4j-internal.
 */
public final class Uids {

    /** The DICOM application context name, the only one defined (PS3.7 annex A.2.1). */
    public static final String APPLICATION_CONTEXT = "1.2.840.10008.3.1.1.1";
    /** The Verification SOP Class, the abstract syntax of C-ECHO. */
    public static final String VERIFICATION = "1.2.840.10008.1.1";
    /** Study Root Query/Retrieve Information Model - FIND, the abstract syntax of a study-level C-FIND (PS3.4 C.6.2). */
    public static final String STUDY_ROOT_QUERY_FIND = "1.2.840.10008.5.1.4.1.2.2.1";
    /** Implicit VR Little Endian, the default transfer syntax every DICOM implementation accepts. */
    public static final String IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
    /** lb4j's implementation class UID, derived from a UUID (PS3.5 B.2). */
    public static final String LB4J_IMPLEMENTATION_CLASS = "2.25.163417018337462081640738063493546316913";

    private Uids() {
    }
}
