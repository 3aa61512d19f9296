package io.lb4j.healthcheck.dicom.pdu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** P-DATA-TF and its PDV items against PS3.8 9.3.5 (table 9-22, 9.3.5.1) and annex E.2, and against storescp. */
class PDataTfTest {

    /** The check's C-ECHO-RQ with message ID 1 as one command PDV on context 1. */
    static final byte[] ECHO_RQ = Hex.bytes(
            "04 00 0000004a",                              // type 0x04, PDU length 74
            "00000046 01 03",                              // PDV item length 70, context 1, control: command, last
            "0000 0000 04000000 38000000",                 // (0000,0000) UL 4: command group length 56
            "0000 0200 12000000", Hex.text("1.2.840.10008.1.1"), "00", // (0000,0002) UI 18, NUL padded to even
            "0000 0001 02000000 3000",                     // (0000,0100) US 2: command field C-ECHO-RQ 0x0030
            "0000 1001 02000000 0100",                     // (0000,0110) US 2: message ID 1
            "0000 0008 02000000 0101");                    // (0000,0800) US 2: no data set 0x0101

    @Test
    void echoRequestIsOneLastCommandFragmentOnContextOne() throws MalformedPduException {
        PDataTf rq = PDataTf.command(1, CommandSet.echoRq(1));

        assertThat(Hex.hex(rq.encode())).isEqualTo(Hex.hex(ECHO_RQ));
        assertThat(Decode.pdu(ECHO_RQ)).isEqualTo(rq);
        int pdv = Pdu.HEADER_LENGTH;
        assertThat(ECHO_RQ[pdv + Pdv.ITEM_LENGTH_OFFSET + 3]).isEqualTo((byte) 70);
        assertThat(ECHO_RQ[pdv + Pdv.CONTEXT_ID_OFFSET]).isEqualTo((byte) 1);
        assertThat(ECHO_RQ[pdv + Pdv.CONTROL_OFFSET]).isEqualTo((byte) 0x03);
        assertThat(ECHO_RQ[pdv + Pdv.FRAGMENT_OFFSET]).isEqualTo((byte) 0x00); // (0000,0000) starts the command
    }

    @Test
    void echoResponseIsWhatStorescpSends() throws MalformedPduException {
        PDataTf rsp = PDataTf.command(1, CommandSet.echoRsp(1, CommandSet.SUCCESS));

        assertThat(Hex.hex(rsp.encode())).isEqualTo(Hex.hex(Captures.STORESCP_ECHO_RSP));
        assertThat(Decode.pdu(Captures.STORESCP_ECHO_RSP)).isEqualTo(rsp);
    }

    @Test
    void severalPdvsFollowEachOtherWithTheirControlBits() throws MalformedPduException {
        byte[] twoFragments = Hex.bytes(
                "04 00 00000011",                          // PDU length 17
                "00000004 03 01 aabb",                     // context 3, command, not last, 2 bytes
                "00000005 03 02 ccddee");                  // context 3, data set, last, 3 bytes

        assertThat(Decode.pdu(twoFragments)).isEqualTo(new PDataTf(List.of(
                new Pdv(3, true, false, new byte[] {(byte) 0xaa, (byte) 0xbb}),
                new Pdv(3, false, true, new byte[] {(byte) 0xcc, (byte) 0xdd, (byte) 0xee}))));
    }

    @Test
    void pdvShorterThanItsContextIdAndControlHeaderIsMalformed() {
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("04 00 00000005", "00000001 01")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("P-DATA-TF: PDV item length 1 (expected: at least 2)");
    }

    @Test
    void pdvLongerThanThePduIsMalformed() {
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("04 00 00000008", "00000010 01 03 0000")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("P-DATA-TF: PDV item: length 16 runs past the end (4 bytes left)");
    }

    @Test
    void pduWithoutAnyPdvIsMalformed() {
        assertThatThrownBy(() -> Decode.pdu(Hex.bytes("04 00 00000000")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("P-DATA-TF: no PDV item");
    }

    @Test
    void fragmentIsCopiedInAndOut() {
        byte[] bytes = {1, 2};
        Pdv pdv = new Pdv(1, true, true, bytes);
        bytes[0] = 9;
        pdv.fragment()[1] = 9;

        assertThat(pdv.fragment()).containsExactly(1, 2);
    }
}
