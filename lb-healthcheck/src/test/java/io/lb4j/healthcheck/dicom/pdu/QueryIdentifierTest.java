package io.lb4j.healthcheck.dicom.pdu;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The C-FIND request lb4j sends, byte for byte: its command set (PS3.7 9.3.2.1, table 9.3-3) and its study-level
 * identifier (PS3.4 C.6.2.1) in Implicit VR Little Endian.
 */
class QueryIdentifierTest {

    @Test
    void studyRootFindRequestNamesTheModelAMediumPriorityAndADataSet() throws MalformedPduException {
        byte[] expected = Hex.bytes(
                "0000 0000 04000000 4c000000",                 // command group length 76
                "0000 0200 1c000000", Hex.text("1.2.840.10008.5.1.4.1.2.2.1"), "00", // Study Root FIND, NUL-padded
                "0000 0001 02000000 2000",                     // command field C-FIND-RQ 0x0020
                "0000 1001 02000000 0500",                     // message ID 5
                "0000 0007 02000000 0000",                     // priority: medium
                "0000 0008 02000000 0000");                    // a data set follows

        CommandSet rq = CommandSet.studyRootFindRq(5);

        assertThat(Hex.hex(rq.encode())).isEqualTo(Hex.hex(expected));
        assertThat(CommandSet.decode(expected)).isEqualTo(rq);
    }

    @Test
    void identifierAsksAtStudyLevelWithEachKeyPaddedToEvenLength() {
        assertThat(Hex.hex(new QueryIdentifier("1.2.3", "P1").encode())).isEqualTo(Hex.hex(Hex.bytes(
                "0800 5200 06000000", Hex.text("STUDY "),     // Query/Retrieve Level, CS padded with a space
                "1000 2000 02000000", Hex.text("P1"),         // Patient ID
                "2000 0d00 06000000", Hex.text("1.2.3"), "00"))); // Study Instance UID, UI padded with NUL
    }

    @Test
    void emptyKeysAreUniversalZeroLengthElements() {
        assertThat(Hex.hex(new QueryIdentifier("", "").encode())).isEqualTo(Hex.hex(Hex.bytes(
                "0800 5200 06000000", Hex.text("STUDY "),
                "1000 2000 00000000",
                "2000 0d00 00000000")));
    }

    @Test
    void pendingStatusesAreTheTwoMatchStatuses() {
        assertThat(CommandSet.isPending(0xFF00)).isTrue();
        assertThat(CommandSet.isPending(0xFF01)).isTrue();
        assertThat(CommandSet.isPending(CommandSet.SUCCESS)).isFalse();
        assertThat(CommandSet.isPending(0xFE00)).isFalse();    // cancel is final
    }
}
