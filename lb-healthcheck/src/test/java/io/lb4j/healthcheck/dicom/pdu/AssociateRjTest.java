package io.lb4j.healthcheck.dicom.pdu;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A-ASSOCIATE-RJ against PS3.8 9.3.4 (table 9-21). */
class AssociateRjTest {

    @Test
    void calledAeTitleNotRecognizedIsTheTenBytesOfTable9_21() throws MalformedPduException {
        byte[] expected = Hex.bytes("03 00 00000004", "00 01 01 07"); // reserved, permanent, service user, reason 7
        AssociateRj rj = new AssociateRj(AssociateRj.PERMANENT, AssociateRj.SERVICE_USER,
                AssociateRj.CALLED_AE_TITLE_NOT_RECOGNIZED);

        assertThat(Hex.hex(rj.encode())).isEqualTo(Hex.hex(expected));
        assertThat(Decode.pdu(expected)).isEqualTo(rj);
        assertThat(expected[AssociateRj.RESULT_OFFSET]).isEqualTo((byte) 1);
        assertThat(expected[AssociateRj.SOURCE_OFFSET]).isEqualTo((byte) 1);
        assertThat(expected[AssociateRj.REASON_OFFSET]).isEqualTo((byte) 7);
    }

    @Test
    void reasonsAreDescribedPerSource() {
        assertThat(new AssociateRj(1, 1, 7).describe()).isEqualTo("association rejected: called AE title not recognized");
        assertThat(new AssociateRj(1, 1, 3).describe()).isEqualTo("association rejected: calling AE title not recognized");
        assertThat(new AssociateRj(1, 1, 2).describe()).isEqualTo("association rejected: application context name not supported");
        assertThat(new AssociateRj(1, 2, 2).describe()).isEqualTo("association rejected: protocol version not supported");
        assertThat(new AssociateRj(2, 3, 1).describe()).isEqualTo("association rejected (transient): temporary congestion");
        assertThat(new AssociateRj(2, 3, 2).describe()).isEqualTo("association rejected (transient): local limit exceeded");
        assertThat(new AssociateRj(5, 9, 9).describe()).isEqualTo("association rejected (result 5): source 9 reason 9");
    }

    @Test
    void bodyOtherThanFourBytesIsMalformed() {
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("03 00 00000003", "00 01 01")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-ASSOCIATE-RJ: PDU length 3 (expected: 4)");
    }
}
