package io.lb4j.healthcheck.dicom.pdu;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Framing and hostile input: every bad PDU is a {@link MalformedPduException} that says what is wrong. */
class PduCodecTest {

    private static final byte[] RELEASE_RQ = new ReleaseRq().encode();

    @Test
    void frameLengthWaitsForAWholeHeader() throws MalformedPduException {
        assertThat(PduCodec.frameLength(ByteBuffer.wrap(Hex.bytes("04 00 0000")), 100)).isEqualTo(-1);
        assertThat(PduCodec.frameLength(ByteBuffer.wrap(Hex.bytes("04 00 00000050")), 100)).isEqualTo(86);
    }

    @Test
    void unknownPduTypeIsUnrecognized() {
        // "HTTP/1.1 400": what a web server answers on the DICOM port.
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes(Hex.text("HTTP/1.1 400"))))
                .isInstanceOfSatisfying(MalformedPduException.class,
                        e -> assertThat(e.abortReason()).isEqualTo(Abort.UNRECOGNIZED_PDU))
                .hasMessage("unknown PDU type 0x48");
    }

    @Test
    void lengthAboveTheMaximumIsRefusedFromTheHeaderAlone() {
        assertThatThrownBy(() -> PduCodec.decode(ByteBuffer.wrap(Hex.bytes("04 00 00004001")), 16384))
                .isInstanceOfSatisfying(MalformedPduException.class,
                        e -> assertThat(e.abortReason()).isEqualTo(Abort.INVALID_PARAMETER_VALUE))
                .hasMessage("P-DATA-TF: PDU length 16385 (expected: at most 16384)");
    }

    @Test
    void truncatedHeaderIsMalformed() {
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("05 00 00")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("truncated PDU: 3 bytes (expected: at least the 6-byte header)");
    }

    @Test
    void lengthLargerThanTheBufferIsTruncation() {
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("05 00 00000004", "0000")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-RELEASE-RQ: truncated: PDU length 4, 2 bytes follow");
    }

    @Test
    void decodeTakesOnePduAndLeavesWhatFollows() throws MalformedPduException {
        ByteBuffer two = ByteBuffer.wrap(Hex.bytes(Hex.hex(RELEASE_RQ), Hex.hex(new ReleaseRp().encode())));

        assertThat(PduCodec.decode(two, 100)).isEqualTo(new ReleaseRq());
        assertThat(two.position()).isEqualTo(10);
        assertThat(PduCodec.decode(two, 100)).isEqualTo(new ReleaseRp());
        assertThat(two.hasRemaining()).isFalse();
    }

    @Test
    void itemLongerThanWhatIsLeftOfThePduIsMalformed() {
        byte[] rq = AssociateRqTest.VERIFICATION_RQ.clone();
        rq[AssociateFields.ITEMS_OFFSET + 25 + 3] = (byte) 0xF0; // presentation context item length 46 -> 240

        assertThatThrownBy(() -> Decode.pdu(rq))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-ASSOCIATE-RQ: presentation context item: length 240 runs past the end (118 bytes left)");
    }

    @Test
    void subItemLongerThanItsItemIsMalformed() {
        byte[] rq = AssociateRqTest.VERIFICATION_RQ.clone();
        rq[AssociateFields.ITEMS_OFFSET + 25 + 8 + 3] = 0x30; // abstract syntax length 17 -> 48, inside a 46-byte item

        assertThatThrownBy(() -> Decode.pdu(rq))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-ASSOCIATE-RQ: presentation context item: abstract syntax sub-item: length 48 runs past"
                        + " the end (38 bytes left)");
    }

    @Test
    void associationWithoutFixedFieldsIsMalformed() {
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("02 00 00000012", "0001 0000", Hex.padded("PACS", 14))))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-ASSOCIATE-AC: called AE title: needs 16 bytes, 14 left");
    }

    @Test
    void associationWithoutUserInformationIsMalformed() {
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("02 00 0000005d", "0001 0000", Hex.padded("PACS", 16),
                Hex.padded("LB4J", 16), "00".repeat(32), "10 00 0015", Hex.text("1.2.840.10008.3.1.1.1"))))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-ASSOCIATE-AC: no user information item");
    }

    @Test
    void secondApplicationContextIsMalformed() {
        String context = "10 00 0015" + Hex.text("1.2.840.10008.3.1.1.1");
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("01 00 00000076", "0001 0000", Hex.padded("PACS", 16),
                Hex.padded("LB4J", 16), "00".repeat(32), context, context)))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-ASSOCIATE-RQ: a second application context item");
    }

    @Test
    void maximumLengthSubItemMustHoldFourBytes() {
        byte[] ac = Captures.STORESCP_ASSOCIATE_AC.clone();
        int maxLengthItem = 0x84; // 51 00 0004 00004000 in the capture
        assertThat(ac[maxLengthItem]).isEqualTo((byte) 0x51);
        ac[maxLengthItem + 3] = 3;

        assertThatThrownBy(() -> Decode.pdu(ac))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-ASSOCIATE-AC: user information item: maximum length sub-item: length 3"
                        + " (expected: 4)");
    }

    @Test
    void readTakesExactlyOnePduFromAStream() throws Exception {
        InputStream in = new ByteArrayInputStream(Hex.bytes(Hex.hex(Captures.STORESCP_RELEASE_RP), "07"));

        assertThat(PduCodec.read(in, 100)).isEqualTo(new ReleaseRp());
        assertThat(in.available()).isEqualTo(1);
    }

    @Test
    void streamThatEndsBeforeAPduIsEndOfFile() {
        assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(new byte[0]), 100))
                .isInstanceOf(EOFException.class)
                .hasMessage("connection closed");
    }

    @Test
    void streamThatEndsInsideAPduIsMalformed() {
        assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(Hex.bytes("05 00 00")), 100))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("truncated PDU: the stream ended after 3 of 6 header bytes");
        assertThatThrownBy(() -> PduCodec.read(new ByteArrayInputStream(Arrays.copyOf(RELEASE_RQ, 8)), 100))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("A-RELEASE-RQ: truncated: the stream ended after 2 of 4 bytes");
    }

    @Test
    void hugeClaimedLengthIsRefusedBeforeReadingOrAllocatingTheBody() {
        // A header claiming 4 GiB, followed by an endless stream: nothing past the header may be read.
        InputStream endless = new InputStream() {
            int served;

            @Override
            public int read() {
                served++;
                return served == 1 ? Pdu.P_DATA_TF : served <= 2 ? 0 : 0xFF;
            }
        };

        assertThatThrownBy(() -> PduCodec.read(endless, 16384))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("P-DATA-TF: PDU length 4294967295 (expected: at most 16384)");
    }

    @Test
    void maximumThatCannotBeAnArrayIsRefused() {
        assertThatThrownBy(() -> PduCodec.decode(ByteBuffer.wrap(RELEASE_RQ), Integer.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPduLength: 2147483647 (expected: 0-2147483641)");
    }
}
