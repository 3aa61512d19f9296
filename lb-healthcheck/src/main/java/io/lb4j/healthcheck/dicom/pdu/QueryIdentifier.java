package io.lb4j.healthcheck.dicom.pdu;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The identifier of a study-level C-FIND-RQ (PS3.4 C.4.1.1.3, C.6.2.1): the data set that says what to match, sent
 * after the command set in the negotiated transfer syntax, here always Implicit VR Little Endian. Each element:
 *
 * <pre>
 *  0                 2                 4                                   8
 * +--------+--------+--------+--------+--------+--------+--------+--------+-------------
 * |  group (uint16) | element (uint16)|      value length (uint32)        | value ...
 * +--------+--------+--------+--------+--------+--------+--------+--------+-------------
 *  little-endian, elements in ascending tag order, values padded to even length
 * </pre>
 *
 * <p>Three elements: (0008,0052) Query/Retrieve Level {@code STUDY}, (0010,0020) Patient ID and (0020,000D) Study
 * Instance UID, each a match key when set and a universal key (zero length: match anything, return the value) when
 * empty. lb4j-internal.
 *
 * @param studyInstanceUid the study to match; empty for any
 * @param patientId        the patient to match; empty for any
 */
public record QueryIdentifier(String studyInstanceUid, String patientId) {

    static final int QUERY_RETRIEVE_LEVEL_GROUP = 0x0008;
    static final int QUERY_RETRIEVE_LEVEL = 0x0052;
    static final int PATIENT_ID_GROUP = 0x0010;
    static final int PATIENT_ID = 0x0020;
    static final int STUDY_INSTANCE_UID_GROUP = 0x0020;
    static final int STUDY_INSTANCE_UID = 0x000D;

    /** @throws IllegalArgumentException when a value is longer than its value representation allows (64) */
    public QueryIdentifier {
        Values.text("study instance UID", studyInstanceUid, 64);
        Values.text("patient ID", patientId, 64);
    }

    /** The identifier's bytes. */
    public byte[] encode() {
        WireWriter w = WireWriter.littleEndian();
        element(w, QUERY_RETRIEVE_LEVEL_GROUP, QUERY_RETRIEVE_LEVEL, "STUDY", (byte) ' '); // CS pads with a space
        element(w, PATIENT_ID_GROUP, PATIENT_ID, patientId, (byte) ' ');                   // LO: space
        element(w, STUDY_INSTANCE_UID_GROUP, STUDY_INSTANCE_UID, studyInstanceUid, (byte) 0); // UI: NUL (PS3.5 6.2)
        return w.toByteArray();
    }

    private static void element(WireWriter w, int group, int element, String value, byte pad) {
        byte[] text = value.getBytes(StandardCharsets.ISO_8859_1);
        byte[] even = Arrays.copyOf(text, text.length + (text.length & 1));
        if (even.length > text.length) {
            even[text.length] = pad;
        }
        w.u16(group).u16(element).u32(even.length).bytes(even);
    }
}
