package io.lb4j.healthcheck.external;

import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.Network;
import io.lb4j.api.spi.TaskClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Issue 12 item 2, "configuration can run any program": whoever can name a script (admin API, HA peer, file) can only
 * name one the host's administrator put in a script directory. One test per rule, each asserting the message
 * {@link ExternalStrategy#validate} gives (the balancer prefixes it with the service).
 */
@EnabledOnOs(OS.LINUX)
class ScriptSecurityTest {

    private final ExternalStrategy strategy = new ExternalStrategy();

    @TempDir
    Path root;

    private Path checks;
    private Path elsewhere;

    @BeforeEach
    void directories() throws IOException {
        checks = directory(root.resolve("checks"));
        elsewhere = directory(root.resolve("elsewhere"));
    }

    @Test
    void aSafeScriptInsideTheDirectoryIsAccepted() throws IOException {
        Path script = script(checks.resolve("check-pacs.sh"));

        validate(script);
        assertThat(ScriptSecurity.system().resolve(script, List.of(checks))).isEqualTo(script);
    }

    @Test
    void aRelativeNameIsLookedUpInsideTheDirectoriesInTurn() throws IOException {
        Path second = directory(root.resolve("more-checks"));
        Path script = script(second.resolve("check-pacs.sh"));

        assertThat(ScriptSecurity.system().resolve(Path.of("check-pacs.sh"), List.of(checks, second))).isEqualTo(script);
        assertThatThrownBy(() -> ScriptSecurity.system().resolve(Path.of("check-ris.sh"), List.of(checks, second)))
                .hasMessage("healthCheck.script: check-ris.sh (expected: a script inside " + checks + " or " + second
                        + "; there is no such file)");
    }

    @Test
    void aScriptOutsideTheDirectoriesIsRefused() throws IOException {
        Path script = script(elsewhere.resolve("x.sh"));

        assertThatThrownBy(() -> validate(script))
                .hasMessage("healthCheck.script: " + script + " (expected: a script inside " + checks + ")");
    }

    @Test
    void aNameWithDotDotIsRefusedEvenWhenItEndsUpInside() throws IOException {
        script(checks.resolve("x.sh"));
        Path escape = checks.resolve("../elsewhere/x.sh");
        Path roundTrip = checks.resolve("../checks/x.sh");

        assertThatThrownBy(() -> validate(escape)).hasMessage("healthCheck.script: " + escape
                + " (expected: a script inside " + checks + ", named without \"..\")");
        assertThatThrownBy(() -> validate(roundTrip)).hasMessage("healthCheck.script: " + roundTrip
                + " (expected: a script inside " + checks + ", named without \"..\")");
        assertThatThrownBy(() -> validate(Path.of("../elsewhere/x.sh"))).hasMessage("healthCheck.script:"
                + " ../elsewhere/x.sh (expected: a script inside " + checks + ", named without \"..\")");
    }

    @Test
    void aSymbolicLinkOutOfTheDirectoryIsRefused() throws IOException {
        Path target = script(elsewhere.resolve("x.sh"));
        Path link = Files.createSymbolicLink(checks.resolve("x.sh"), target);

        assertThatThrownBy(() -> validate(link)).hasMessage("healthCheck.script: " + link
                + " (expected: a script inside " + checks + "; it resolves to " + target + ")");
    }

    @Test
    void aSymbolicLinkedDirectoryOutOfTheDirectoryIsRefused() throws IOException {
        Path target = script(elsewhere.resolve("x.sh"));
        Files.createSymbolicLink(checks.resolve("sub"), elsewhere);
        Path script = checks.resolve("sub/x.sh");

        assertThatThrownBy(() -> validate(script)).hasMessage("healthCheck.script: " + script
                + " (expected: a script inside " + checks + "; it resolves to " + target + ")");
    }

    @Test
    void aSymbolicLinkThatStaysInsideIsFollowed() throws IOException {
        Path target = script(checks.resolve("check-pacs-v2.sh"));
        Path link = Files.createSymbolicLink(checks.resolve("check-pacs.sh"), target.getFileName());

        assertThat(ScriptSecurity.system().resolve(link, List.of(checks))).isEqualTo(target);
    }

    @Test
    void aScriptWritableByItsGroupIsRefused() throws IOException {
        Path script = script(checks.resolve("x.sh"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxrwx---"));

        assertThatThrownBy(() -> validate(script)).hasMessage("healthCheck.script: " + script + " (expected: the"
                + " script and the directories from " + checks + " down to it writable by their owner only; " + script
                + " is rwxrwx---)");
    }

    @Test
    void aScriptWritableByOthersIsRefused() throws IOException {
        Path script = script(checks.resolve("x.sh"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xrw-"));

        assertThatThrownBy(() -> validate(script)).hasMessage("healthCheck.script: " + script + " (expected: the"
                + " script and the directories from " + checks + " down to it writable by their owner only; " + script
                + " is rwxr-xrw-)");
    }

    @Test
    void aWritableDirectoryOnThePathIsRefused() throws IOException {
        Path sub = directory(checks.resolve("sub"));
        Path script = script(sub.resolve("x.sh"));
        Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> validate(script)).hasMessage("healthCheck.script: " + script + " (expected: the"
                + " script and the directories from " + checks + " down to it writable by their owner only; " + sub
                + " is rwxrwxrwx)");
    }

    @Test
    void aWritableScriptDirectoryIsRefused() throws IOException {
        Path script = script(checks.resolve("x.sh"));
        Files.setPosixFilePermissions(checks, PosixFilePermissions.fromString("rwxrwxr-x"));

        assertThatThrownBy(() -> validate(script)).hasMessage("healthCheck.script: " + script + " (expected: the"
                + " script and the directories from " + checks + " down to it writable by their owner only; " + checks
                + " is rwxrwxr-x)");
    }

    @Test
    void aScriptOwnedBySomeoneElseIsRefused() throws IOException {
        assumeThat(System.getProperty("user.name")).as("runs as root, so it can give a file away").isEqualTo("root");
        Path script = script(checks.resolve("x.sh"));
        Files.setOwner(script, FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));

        assertThatThrownBy(() -> validate(script)).hasMessage("healthCheck.script: " + script + " (expected: the"
                + " script and the directories from " + checks + " down to it owned by root; " + script
                + " is owned by nobody)");
    }

    @Test
    void aDirectoryOwnedBySomeoneElseIsRefused() throws IOException {
        assumeThat(System.getProperty("user.name")).as("runs as root, so it can give a file away").isEqualTo("root");
        Path sub = directory(checks.resolve("sub"));
        Path script = script(sub.resolve("x.sh"));
        Files.setOwner(sub, FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));

        assertThatThrownBy(() -> validate(script)).hasMessage("healthCheck.script: " + script + " (expected: the"
                + " script and the directories from " + checks + " down to it owned by root; " + sub
                + " is owned by nobody)");
    }

    @Test
    void noScriptDirectoriesMeansNoScripts() throws IOException {
        Path script = script(checks.resolve("x.sh"));

        assertThatThrownBy(() -> ScriptSecurity.system().resolve(script, List.of())).hasMessage("healthCheck.script: "
                + script + " (expected: a script inside the script directories; none are configured)");
    }

    @Test
    void theDefaultDirectoryIsEtcLb4jChecks() throws IOException {
        Path script = script(checks.resolve("x.sh"));

        CheckContext saysNothing = new CheckContext() {
            @Override
            public TaskClock clock() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Network network() {
                throw new UnsupportedOperationException();
            }
        };

        assertThatThrownBy(() -> strategy.validate(ExternalProbe.of(script), saysNothing)).hasMessage("healthCheck.script: " + script + " (expected: a script inside /etc/lb4j/checks)");
    }

    private void validate(Path script) {
        strategy.validate(ExternalProbe.of(script), ExternalStrategyTest.context(checks));
    }

    private static Path directory(Path dir) throws IOException {
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static Path script(Path path) throws IOException {
        Files.writeString(path, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }
}
