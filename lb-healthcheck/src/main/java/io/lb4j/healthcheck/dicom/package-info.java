/**
 * The DICOM health checks. {@code dicomEcho()}: {@link io.lb4j.healthcheck.dicom.DicomEchoStrategy} opens an
 * association proposing the Verification SOP Class, sends a C-ECHO-RQ and passes only on a C-ECHO-RSP with status
 * 0x0000. {@code dicomFind()}: {@link io.lb4j.healthcheck.dicom.DicomFindStrategy} proposes the Study Root
 * Query/Retrieve Information Model - FIND, sends a study-level C-FIND-RQ, reads the pending responses and passes only
 * on the final Success. Both release the association afterwards and both run over DICOM TLS when the probe says so.
 * A rejection, abort, bad status, malformed PDU, failed handshake or silence is a failed attempt whose reason says
 * which; no exception leaves the check's event loop. The PDUs themselves come from
 * {@link io.lb4j.healthcheck.dicom.pdu}.
 */
package io.lb4j.healthcheck.dicom;
