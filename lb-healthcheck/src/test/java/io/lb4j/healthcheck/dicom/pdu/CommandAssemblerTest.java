package io.lb4j.healthcheck.dicom.pdu;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Command fragments joined across PDVs (PS3.8 annex E.2). */
class CommandAssemblerTest {

    private final byte[] rsp = CommandSet.echoRsp(7, CommandSet.SUCCESS).encode();

    @Test
    void commandIsCompleteAtItsLastFragment() throws MalformedPduException {
        CommandAssembler assembler = new CommandAssembler(1024);

        // The response split in two fragments, as a peer with a small maximum PDU length may send it.
        assertThat(assembler.add(new Pdv(1, true, false, Arrays.copyOfRange(rsp, 0, 30)))).isEmpty();
        assertThat(assembler.add(new Pdv(1, true, true, Arrays.copyOfRange(rsp, 30, rsp.length))))
                .isEqualTo(Optional.of(CommandSet.echoRsp(7, CommandSet.SUCCESS)));
        // It starts over for the next command.
        assertThat(assembler.add(new Pdv(1, true, true, rsp))).isEqualTo(Optional.of(CommandSet.echoRsp(7, 0)));
    }

    @Test
    void dataSetFragmentsAreIgnored() throws MalformedPduException {
        assertThat(new CommandAssembler(1024).add(new Pdv(1, false, true, new byte[] {1, 2, 3}))).isEmpty();
    }

    @Test
    void commandLongerThanTheLimitIsMalformed() throws MalformedPduException {
        CommandAssembler assembler = new CommandAssembler(100);
        assembler.add(new Pdv(1, true, false, new byte[60]));

        assertThatThrownBy(() -> assembler.add(new Pdv(1, true, false, new byte[41])))
                .isInstanceOf(MalformedPduException.class)
                .hasMessage("command set longer than 100 bytes");
        // What was gathered is dropped: the next whole command decodes on its own.
        assertThat(assembler.add(new Pdv(1, true, true, rsp))).isPresent();
    }
}
