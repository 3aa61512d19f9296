package io.lb4j.testsupport.process;

import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandTest {

    @Test
    void runReturnsStandardOutputAndErrorMerged() {
        assertThat(Command.run("sh", "-c", "echo out; echo err >&2")).isEqualTo("out\nerr\n");
    }

    @Test
    void aFailingCommandFailsNamingItsExitStatusAndOutput() {
        assertThatThrownBy(() -> Command.run("sh", "-c", "echo no such thing; exit 3"))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessage("java.io.IOException: sh -c echo no such thing; exit 3: exit 3: no such thing");
    }

    @Test
    void attemptReturnsTheExitStatusInsteadOfFailing() {
        assertThat(Command.attempt(List.of("sh", "-c", "echo x; exit 4"))).isEqualTo(new Command.Result(4, "x\n"));
    }

    @Test
    void missingNamesTheFirstAbsentProgramAndTheDebianPackageThatBringsIt() {
        assertThat(Command.missing("sh")).isEmpty();
        assertThat(Command.missing("sh", "lb4j-no-such-program", "storescp-x"))
                .contains("lb4j-no-such-program not installed (apt-get install -y lb4j-no-such-program)");
        assertThat(Command.installed("sh")).isTrue();
    }
}
