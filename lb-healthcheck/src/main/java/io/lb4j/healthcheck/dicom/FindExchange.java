package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.healthcheck.dicom.pdu.CommandSet;
import io.lb4j.healthcheck.dicom.pdu.PDataTf;
import io.lb4j.healthcheck.dicom.pdu.QueryIdentifier;
import io.lb4j.healthcheck.dicom.pdu.Uids;

import java.util.List;
import java.util.Optional;

/**
 * C-FIND at study level (PS3.4 C.4.1): the request and its identifier, then any number of pending responses (one per
 * match, counted, their identifiers ignored), then the final one. Success passes, unless the probe names a study or
 * patient and nothing matched.
 */
final class FindExchange implements DimseExchange {

    private final DicomFindProbe probe;
    private int matches;

    FindExchange(DicomFindProbe probe) {
        this.probe = probe;
    }

    @Override
    public String sopClassUid() {
        return Uids.STUDY_ROOT_QUERY_FIND;
    }

    @Override
    public String sopClassName() {
        return "Study Root Query/Retrieve Information Model - FIND";
    }

    @Override
    public String responseName() {
        return "C-FIND-RSP";
    }

    @Override
    public int responseField() {
        return CommandSet.C_FIND_RSP;
    }

    @Override
    public List<PDataTf> request(int presentationContextId, int messageId) {
        return List.of(PDataTf.command(presentationContextId, CommandSet.studyRootFindRq(messageId)),
                PDataTf.dataSet(presentationContextId,
                        new QueryIdentifier(probe.studyInstanceUid(), probe.patientId()).encode()));
    }

    @Override
    public Optional<CheckResult> onResponse(CommandSet response) {
        int status = response.status();
        if (CommandSet.isPending(status)) {
            matches++;
            return Optional.empty();
        }
        if (status != CommandSet.SUCCESS) {
            return Optional.of(CheckResult.failed(String.format("C-FIND failed: status 0x%04X", status)
                    + meaning(status)));
        }
        if (probe.requiresMatch() && matches == 0) {
            return Optional.of(CheckResult.failed("C-FIND found no study matching " + keys()));
        }
        return Optional.of(CheckResult.ok());
    }

    private String keys() {
        StringBuilder b = new StringBuilder();
        if (!probe.studyInstanceUid().isEmpty()) {
            b.append("StudyInstanceUID ").append(probe.studyInstanceUid());
        }
        if (!probe.patientId().isEmpty()) {
            b.append(b.isEmpty() ? "" : " and ").append("PatientID ").append(probe.patientId());
        }
        return b.toString();
    }

    /** The C-FIND statuses of PS3.4 C.4.1.1.4 that say something to an operator. */
    private static String meaning(int status) {
        if (status == 0xA700) {
            return " (refused: out of resources)";
        }
        if (status == 0xA900) {
            return " (identifier does not match SOP class)";
        }
        if (status == 0xFE00) {
            return " (cancelled)";
        }
        if ((status & 0xF000) == 0xC000) {
            return " (unable to process)";
        }
        if (status == 0x0122) {
            return " (SOP class not supported)";
        }
        return "";
    }
}
