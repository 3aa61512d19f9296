package io.lb4j.healthcheck.dicom.pdu;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A-ASSOCIATE-RQ against PS3.8 9.3.2 (table 9-11, items 9.3.2.1 to 9.3.2.3) and against DCMTK's echoscu. */
class AssociateRqTest {

    /** The check's request, field by field from PS3.8 table 9-11. */
    static final byte[] VERIFICATION_RQ = Hex.bytes(
            "01 00 000000d7",                                   // type 0x01, reserved, PDU length 215
            "0001 0000",                                        // protocol version 1, reserved
            Hex.padded("ANY-SCP", 16),                          // called AE title, space padded
            Hex.padded("LB4J", 16),                             // calling AE title
            "00".repeat(32),                                    // reserved
            "10 00 0015", Hex.text("1.2.840.10008.3.1.1.1"),    // application context item, 21 bytes
            "20 00 002e 01 00 00 00",                           // presentation context item, 46 bytes: ID 1, reserved
            "30 00 0011", Hex.text("1.2.840.10008.1.1"),        //   abstract syntax: Verification
            "40 00 0011", Hex.text("1.2.840.10008.1.2"),        //   transfer syntax: Implicit VR Little Endian
            "50 00 0044",                                       // user information item, 68 bytes
            "51 00 0004 00004000",                              //   maximum length 16384
            "52 00 002c", Hex.text("2.25.163417018337462081640738063493546316913"), // implementation class UID
            "55 00 0008", Hex.text("LB4J_0.1"));                //   implementation version name

    private static final AssociateRq CHECK_REQUEST = AssociateRq.verification("ANY-SCP", "LB4J",
            UserInformation.lb4j(16384, UserInformation.LB4J_VERSION_NAME));

    @Test
    void verificationRequestEncodesToTheFieldsOfTable9_11() {
        assertThat(Hex.hex(CHECK_REQUEST.encode())).isEqualTo(Hex.hex(VERIFICATION_RQ));
    }

    @Test
    void fieldsStandAtTheOffsetsOfTable9_11() {
        // PS3.8 numbers bytes from 1; the offsets count from 0.
        assertThat(VERIFICATION_RQ[AssociateFields.PROTOCOL_VERSION_OFFSET + 1]).isEqualTo((byte) 1);
        assertThat(new String(VERIFICATION_RQ, AssociateFields.CALLED_AE_TITLE_OFFSET, 16, StandardCharsets.US_ASCII))
                .isEqualTo("ANY-SCP         ");
        assertThat(new String(VERIFICATION_RQ, AssociateFields.CALLING_AE_TITLE_OFFSET, 16, StandardCharsets.US_ASCII))
                .isEqualTo("LB4J            ");
        assertThat(VERIFICATION_RQ[AssociateFields.ITEMS_OFFSET]).isEqualTo((byte) 0x10);
    }

    @Test
    void verificationRequestDecodesToItself() throws MalformedPduException {
        assertThat(Decode.pdu(VERIFICATION_RQ)).isEqualTo(CHECK_REQUEST);
    }

    @Test
    void decodesTheRequestDcmtkEchoscuSends() throws MalformedPduException {
        assertThat(Decode.pdu(Captures.ECHOSCU_ASSOCIATE_RQ)).isEqualTo(new AssociateRq("ANY-SCP", "ECHOSCU",
                "1.2.840.10008.3.1.1.1",
                List.of(new PresentationContext(1, "1.2.840.10008.1.1", List.of("1.2.840.10008.1.2"))),
                new UserInformation(16384, "1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_367")));
    }

    @Test
    void reservedBytesAreNotTestedAndAreWrittenAsZero() throws MalformedPduException {
        byte[] expected = Captures.ECHOSCU_ASSOCIATE_RQ.clone();
        expected[Captures.ECHOSCU_RESERVED_FF_INDEX] = 0; // echoscu sent 0xFF there

        assertThat(Hex.hex(Decode.pdu(Captures.ECHOSCU_ASSOCIATE_RQ).encode())).isEqualTo(Hex.hex(expected));
    }

    @Test
    void unknownItemsAndSubItemsAreSkipped() throws MalformedPduException {
        byte[] withExtras = Hex.bytes(
                "01 00 000000e7",                                    // PDU length 215 + 8 + 8
                "0001 0000", Hex.padded("ANY-SCP", 16), Hex.padded("LB4J", 16), "00".repeat(32),
                "10 00 0015", Hex.text("1.2.840.10008.3.1.1.1"),
                "20 00 002e 01 00 00 00",
                "30 00 0011", Hex.text("1.2.840.10008.1.1"),
                "40 00 0011", Hex.text("1.2.840.10008.1.2"),
                "50 00 004c",                                        // user information, 68 + 8 bytes
                "51 00 0004 00004000",
                "52 00 002c", Hex.text("2.25.163417018337462081640738063493546316913"),
                "53 00 0004 0005 0005",                              // asynchronous operations window: skipped
                "55 00 0008", Hex.text("LB4J_0.1"),
                "60 00 0004 01020304");                              // an item type PS3.8 does not define

        assertThat(Decode.pdu(withExtras)).isEqualTo(CHECK_REQUEST);
    }

    @Test
    void aeTitleThatDoesNotFitSixteenBytesIsRefused() {
        assertThatThrownBy(() -> AssociateRq.verification("SEVENTEEN-CHARS-X", "LB4J", CHECK_REQUEST.userInformation()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("called AE title: \"SEVENTEEN-CHARS-X\" (expected: at most 16 characters)");
    }
}
