package io.lb4j.healthcheck.dicom.pdu;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** C-ECHO command sets against PS3.7 9.3.5 (tables 9.3-12 and 9.3-13) in Implicit VR Little Endian (annex E). */
class CommandSetTest {

    /** C-ECHO-RSP to message 7 with status 0x0000. */
    private static final byte[] ECHO_RSP = Hex.bytes(
            "0000 0000 04000000 42000000",                 // command group length 66
            "0000 0200 12000000", Hex.text("1.2.840.10008.1.1"), "00", // affected SOP class: Verification
            "0000 0001 02000000 3080",                     // command field C-ECHO-RSP 0x8030
            "0000 2001 02000000 0700",                     // message ID being responded to: 7
            "0000 0008 02000000 0101",                     // no data set
            "0000 0009 02000000 0000");                    // status: success

    @Test
    void echoResponseHasItsElementsInAscendingOrder() throws MalformedPduException {
        CommandSet rsp = CommandSet.echoRsp(7, CommandSet.SUCCESS);

        assertThat(Hex.hex(rsp.encode())).isEqualTo(Hex.hex(ECHO_RSP));
        assertThat(CommandSet.decode(ECHO_RSP)).isEqualTo(rsp);
    }

    @Test
    void echoRequestCarriesAMessageIdAndNoStatus() {
        assertThat(CommandSet.echoRq(513)).isEqualTo(new CommandSet(0x0030, "1.2.840.10008.1.1", 513, CommandSet.ABSENT,
                CommandSet.ABSENT, 0x0101, CommandSet.ABSENT));
    }

    @Test
    void elementsLb4jDoesNotUseAreSkipped() throws MalformedPduException {
        byte[] withExtras = Hex.bytes(
                "0000 0001 02000000 3080",                 // command field
                "0000 0209 0400000041424300",              // (0000,0902) error comment "ABC": skipped
                "0800 1800 02000000 0000",                 // a stray element of another group: skipped
                "0000 0009 02000000 1201");                // status 0x0112

        assertThat(CommandSet.decode(withExtras)).isEqualTo(new CommandSet(0x8030, "", CommandSet.ABSENT, CommandSet.ABSENT,
                CommandSet.ABSENT, CommandSet.ABSENT, 0x0112));
    }

    @Test
    void unsignedShortElementOfAnotherLengthIsMalformed() {
        assertThatThrownBy(() -> CommandSet.decode(Hex.bytes("0000 0001 04000000 30800000")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("command set: (0000,0100): length 4 (expected: 2, value representation US)");
    }

    @Test
    void elementLongerThanTheCommandSetIsMalformed() {
        assertThatThrownBy(() -> CommandSet.decode(Hex.bytes("0000 0001 ffffffff 3080")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("command set: (0000,0100): length 4294967295 runs past the end (2 bytes left)");
    }

    @Test
    void truncatedElementHeaderIsMalformed() {
        assertThatThrownBy(() -> CommandSet.decode(Hex.bytes("0000 0001 0200")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("command set: (0000,0100) length: needs 4 bytes, 2 left");
    }

    @Test
    void commandSetWithoutACommandFieldIsMalformed() {
        assertThatThrownBy(() -> CommandSet.decode(Hex.bytes("0000 0009 02000000 0000")))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("command set: no command field (0000,0100)");
    }

    @Test
    void fieldsThatDoNotFitTheirElementAreRefused() {
        assertThatThrownBy(() -> CommandSet.echoRq(65536))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("message id: 65536 (expected: 0-65535, or -1 when absent)");
    }
}
