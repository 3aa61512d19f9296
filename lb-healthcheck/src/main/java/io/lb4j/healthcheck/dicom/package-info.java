/**
 * The {@code dicomEcho()} health check: {@link io.lb4j.healthcheck.dicom.DicomEchoStrategy} opens an association
 * proposing the Verification SOP Class, sends a C-ECHO-RQ and passes only on a C-ECHO-RSP with status 0x0000, then
 * releases the association. A rejection, abort, bad status, malformed PDU or silence is a failed attempt whose reason
 * says which; no exception leaves the check's event loop. The PDUs themselves come from
 * {@link io.lb4j.healthcheck.dicom.pdu}.
 */
package io.lb4j.healthcheck.dicom;
