package io.lb4j.healthcheck.dicom;

import io.lb4j.api.check.CheckResult;
import io.lb4j.healthcheck.dicom.pdu.CommandSet;
import io.lb4j.healthcheck.dicom.pdu.PDataTf;
import io.lb4j.healthcheck.dicom.pdu.Uids;

import java.util.List;
import java.util.Optional;

/** C-ECHO: one request, one response, passing on status 0x0000 (PS3.7 9.1.5). */
final class EchoExchange implements DimseExchange {

    @Override
    public String sopClassUid() {
        return Uids.VERIFICATION;
    }

    @Override
    public String sopClassName() {
        return "Verification SOP Class";
    }

    @Override
    public String responseName() {
        return "C-ECHO-RSP";
    }

    @Override
    public int responseField() {
        return CommandSet.C_ECHO_RSP;
    }

    @Override
    public List<PDataTf> request(int presentationContextId, int messageId) {
        return List.of(PDataTf.command(presentationContextId, CommandSet.echoRq(messageId)));
    }

    @Override
    public Optional<CheckResult> onResponse(CommandSet response) {
        return Optional.of(response.status() == CommandSet.SUCCESS ? CheckResult.ok()
                : CheckResult.failed(String.format("C-ECHO failed: status 0x%04X", response.status())));
    }
}
