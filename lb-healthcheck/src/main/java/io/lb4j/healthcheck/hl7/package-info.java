/**
 * The {@code hl7()} health check: an HL7 v2 message in an MLLP frame, healthy only on an ACK with MSA-1 {@code AA}
 * or {@code CA} that answers the control ID sent. Frames are bounded, so a peer cannot make the check buffer without
 * limit; a reject, a wrong control ID, garbage or silence fails with a reason that says which.
 */
package io.lb4j.healthcheck.hl7;
