package io.lb4j.healthcheck.dicom.pdu;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A-ASSOCIATE-AC against PS3.8 9.3.3 (table 9-17, item 9.3.3.2) and against DCMTK's storescp. */
class AssociateAcTest {

    private static final AssociateAc STORESCP_ACCEPT = new AssociateAc("ANY-SCP", "ECHOSCU", "1.2.840.10008.3.1.1.1",
            List.of(new PresentationContextResult(1, PresentationContextResult.ACCEPTANCE, "1.2.840.10008.1.2")),
            new UserInformation(16384, "1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_367"));

    @Test
    void decodesTheAcceptDcmtkStorescpSends() throws MalformedPduException {
        assertThat(Decode.pdu(Captures.STORESCP_ASSOCIATE_AC)).isEqualTo(STORESCP_ACCEPT);
    }

    @Test
    void encodesToTheSameBytesAsStorescp() {
        assertThat(Hex.hex(STORESCP_ACCEPT.encode())).isEqualTo(Hex.hex(Captures.STORESCP_ASSOCIATE_AC));
    }

    @Test
    void refusedContextIsEncodedAsItem0x21WithItsResultByte() throws MalformedPduException {
        AssociateAc refused = new AssociateAc("PACS", "LB4J", "1.2.840.10008.3.1.1.1",
                List.of(new PresentationContextResult(1, PresentationContextResult.ABSTRACT_SYNTAX_NOT_SUPPORTED, "")),
                new UserInformation(0, "1.2", ""));
        byte[] expected = Hex.bytes(
                "02 00 00000078",                                 // type 0x02, PDU length 120
                "0001 0000", Hex.padded("PACS", 16), Hex.padded("LB4J", 16), "00".repeat(32),
                "10 00 0015", Hex.text("1.2.840.10008.3.1.1.1"),
                "21 00 0004 01 00 03 00",                         // context 1, reserved, result 3, reserved; no TS
                "50 00 000f",                                     // user information, 15 bytes
                "51 00 0004 00000000",                            //   maximum length 0: no limit
                "52 00 0003", Hex.text("1.2"));                   //   no version name sub-item

        assertThat(Hex.hex(refused.encode())).isEqualTo(Hex.hex(expected));
        assertThat(Decode.pdu(expected)).isEqualTo(refused);
    }

    @Test
    void resultIsFoundByPresentationContextId() {
        assertThat(STORESCP_ACCEPT.result(1)).isEqualTo(Optional.of(STORESCP_ACCEPT.results().getFirst()));
        assertThat(STORESCP_ACCEPT.result(3)).isEmpty();
    }

    @Test
    void aeTitleFieldsAreNotTested() throws MalformedPduException {
        byte[] nulTitles = Captures.STORESCP_ASSOCIATE_AC.clone();
        // PS3.8: echoed from the request, "not tested when received".
        Arrays.fill(nulTitles, AssociateFields.CALLED_AE_TITLE_OFFSET,
                AssociateFields.CALLING_AE_TITLE_OFFSET + AssociateFields.AE_TITLE_LENGTH, (byte) 0);

        AssociateAc ac = (AssociateAc) Decode.pdu(nulTitles);

        assertThat(ac.calledAeTitle()).isEmpty();
        assertThat(ac.callingAeTitle()).isEmpty();
        assertThat(ac.results()).isEqualTo(STORESCP_ACCEPT.results());
    }

    @Test
    void presentationResultsAreDescribedInTheStandardsWords() {
        assertThat(List.of(0, 1, 2, 3, 4, 9).stream().map(r -> new PresentationContextResult(1, r, "").describe()))
                .containsExactly("acceptance", "user rejection", "no reason", "abstract syntax not supported",
                        "transfer syntaxes not supported", "result 9");
    }
}
