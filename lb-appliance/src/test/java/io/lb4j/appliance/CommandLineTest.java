package io.lb4j.appliance;

import io.lb4j.appliance.CommandLine.Check;
import io.lb4j.appliance.CommandLine.HashPassword;
import io.lb4j.appliance.CommandLine.Help;
import io.lb4j.appliance.CommandLine.Run;
import io.lb4j.appliance.CommandLine.UsageException;
import io.lb4j.appliance.CommandLine.Version;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which command the appliance's arguments name, and the message for each way of getting them wrong. */
class CommandLineTest {

    @Test
    void configRunsTheFile() {
        assertThat(CommandLine.parse("--config", "pacs.yaml")).isEqualTo(new Run(Path.of("pacs.yaml")));
    }

    @Test
    void checkTakesItsFileFromEitherOptionInAnyOrder() {
        Check expected = new Check(Path.of("pacs.yaml"));

        assertThat(CommandLine.parse("--check", "pacs.yaml")).isEqualTo(expected);
        assertThat(CommandLine.parse("--config", "pacs.yaml", "--check")).isEqualTo(expected);
        assertThat(CommandLine.parse("--check", "--config", "pacs.yaml")).isEqualTo(expected);
    }

    @Test
    void versionHashPasswordAndHelp() {
        assertThat(CommandLine.parse("--version")).isEqualTo(new Version());
        assertThat(CommandLine.parse("hash-password")).isEqualTo(new HashPassword());
        assertThat(CommandLine.parse("--help")).isEqualTo(new Help());
        assertThat(CommandLine.parse("-h")).isEqualTo(new Help());
    }

    @Test
    void helpWinsOverAnythingElse() {
        assertThat(CommandLine.parse("--config", "pacs.yaml", "--help")).isEqualTo(new Help());
        assertThat(CommandLine.parse("--bogus", "-h")).isEqualTo(new Help());
    }

    @Test
    void noArguments() {
        assertUsage("no command given");
    }

    @Test
    void unknownOptionsAndCommands() {
        assertUsage("unknown option \"--colour\"", "--config", "pacs.yaml", "--colour");
        assertUsage("unknown command \"start\"", "start");
        assertUsage("unknown command \"extra.yaml\"", "--config", "pacs.yaml", "extra.yaml");
    }

    @Test
    void configWithoutAFile() {
        assertUsage("--config needs a FILE", "--config");
        assertUsage("--config needs a FILE", "--config", "--check");
    }

    @Test
    void checkWithoutAFile() {
        assertUsage("--check needs a FILE (--check FILE, or --config FILE --check)", "--check");
    }

    @Test
    void twoFiles() {
        assertUsage("two files: --config a.yaml and --check b.yaml (expected: one FILE)",
                "--config", "a.yaml", "--check", "b.yaml");
    }

    @Test
    void optionsGivenTwice() {
        assertUsage("--config given twice", "--config", "a.yaml", "--config", "b.yaml");
        assertUsage("--check given twice", "--check", "a.yaml", "--check");
    }

    @Test
    void commandsThatTakeNoArguments() {
        assertUsage("--version takes no arguments (got \"--check\")", "--version", "--check");
        assertUsage("hash-password takes no arguments (got \"x\")", "hash-password", "x");
        assertUsage("--version takes no other arguments", "--config", "a.yaml", "--version");
        assertUsage("hash-password takes no other arguments", "--check", "a.yaml", "hash-password");
    }

    private static void assertUsage(String message, String... args) {
        assertThatThrownBy(() -> CommandLine.parse(args)).isInstanceOf(UsageException.class).hasMessage(message);
    }
}
