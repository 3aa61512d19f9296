package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.healthcheck.dicom.pdu.CommandSet;
import io.lb4j.healthcheck.dicom.pdu.PDataTf;

import java.util.List;
import java.util.Optional;

/**
 * What one DICOM check asks once its association is accepted, and how it judges the answers: C-ECHO or C-FIND. The
 * {@link DimseHandler} does the rest (association, checks common to every response, release, abort). One instance
 * per attempt; called on the event loop only.
 */
interface DimseExchange {

    /** The SOP class proposed, the abstract syntax of the one presentation context. */
    String sopClassUid();

    /** Its name for reasons, e.g. {@code "Verification SOP Class"}. */
    String sopClassName();

    /** The response's name for reasons, e.g. {@code "C-ECHO-RSP"}. */
    String responseName();

    /** The command field of the response, e.g. {@link CommandSet#C_ECHO_RSP}. */
    int responseField();

    /** The PDUs of the request, sent in order once the association is accepted. */
    List<PDataTf> request(int presentationContextId, int messageId);

    /**
     * Judges one response with the expected command field, message ID and a status.
     *
     * @return the verdict, or empty when more responses are to come (C-FIND pending)
     */
    Optional<CheckResult> onResponse(CommandSet response);
}
