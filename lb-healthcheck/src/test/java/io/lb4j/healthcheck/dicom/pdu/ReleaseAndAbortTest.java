package io.lb4j.healthcheck.dicom.pdu;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A-RELEASE-RQ, A-RELEASE-RP and A-ABORT against PS3.8 9.3.6 to 9.3.8 (tables 9-24 to 9-26). */
class ReleaseAndAbortTest {

    @Test
    void releaseRequestIsTypeFiveWithFourReservedBytes() throws MalformedPduException {
        byte[] expected = Hex.bytes("05 00 00000004", "00000000");

        assertThat(Hex.hex(new ReleaseRq().encode())).isEqualTo(Hex.hex(expected));
        assertThat(Decode.pdu(expected)).isEqualTo(new ReleaseRq());
    }

    @Test
    void releaseResponseIsWhatStorescpSends() throws MalformedPduException {
        assertThat(Hex.hex(new ReleaseRp().encode())).isEqualTo(Hex.hex(Captures.STORESCP_RELEASE_RP));
        assertThat(Decode.pdu(Captures.STORESCP_RELEASE_RP)).isEqualTo(new ReleaseRp());
    }

    @Test
    void reservedBytesOfAReleaseAreNotTested() throws MalformedPduException {
        assertThat(Decode.pdu(Hex.bytes("05 ff 00000004", "ffffffff"))).isEqualTo(new ReleaseRq());
    }

    @Test
    void releaseWithALongerBodyIsMalformed() {
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("06 00 00000006", "000000000000")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-RELEASE-RP: PDU length 6 (expected: 4)");
    }

    @Test
    void abortFromTheProviderCarriesSourceTwoAndTheReason() throws MalformedPduException {
        byte[] expected = Hex.bytes("07 00 00000004", "00 00 02 01"); // reserved, reserved, provider, unrecognized PDU
        Abort abort = Abort.byProvider(Abort.UNRECOGNIZED_PDU);

        assertThat(Hex.hex(abort.encode())).isEqualTo(Hex.hex(expected));
        assertThat(Decode.pdu(expected)).isEqualTo(abort);
        assertThat(expected[Abort.SOURCE_OFFSET]).isEqualTo((byte) 2);
        assertThat(expected[Abort.REASON_OFFSET]).isEqualTo((byte) 1);
    }

    @Test
    void abortByTheUserIsAllZeros() {
        assertThat(Hex.hex(Abort.byUser().encode())).isEqualTo("07000000000400000000");
    }

    @Test
    void abortsAreDescribedInTheStandardsWords() {
        assertThat(Abort.byUser().describe()).isEqualTo("association aborted by the peer (service user)");
        assertThat(Abort.byProvider(Abort.UNEXPECTED_PDU).describe())
                .isEqualTo("association aborted by the peer (service provider): unexpected PDU");
        assertThat(Abort.byProvider(Abort.INVALID_PARAMETER_VALUE).describe())
                .isEqualTo("association aborted by the peer (service provider): invalid PDU parameter value");
        assertThat(Abort.byProvider(3).describe()).isEqualTo("association aborted by the peer (service provider): reason 3");
    }
}
