/**
 * The one DICOM Upper Layer codec in lb4j: the seven PDUs of PS3.8 section 9.3 (A-ASSOCIATE-RQ/AC/RJ, P-DATA-TF with
 * its PDV items, A-RELEASE-RQ/RP, A-ABORT) as immutable values, and the C-ECHO-RQ/RSP command sets of PS3.7 in
 * Implicit VR Little Endian. {@link io.lb4j.healthcheck.dicom.pdu.PduCodec} reads PDUs from a buffer or a blocking
 * stream; {@code encode()} writes them, big-endian, reserved fields zero.
 *
 * <p>Hostile input ends in exactly one exception type, {@link io.lb4j.healthcheck.dicom.pdu.MalformedPduException},
 * with a message that names the PDU, the field and the numbers; nothing larger than the caller's maximum PDU length
 * is allocated, whatever length a peer claims.
 *
 * <p>lb4j-internal: shared by the C-ECHO health check ({@code io.lb4j.healthcheck.dicom}) and the demo's SCP
 * ({@code io.lb4j.examples}); not a supported API, and exported to no other module.
 */
package io.lb4j.healthcheck.dicom.pdu;
