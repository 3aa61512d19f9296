package io.lb4j.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretFileTest {

    @TempDir
    Path dir;

    private Path secret(String content, String mode) throws IOException {
        Path file = dir.resolve("ha.secret");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    @Test
    void aSecretFileReadableByGroupAndOthersIsRefusedWithTheChmodThatFixesIt() throws IOException {
        Path file = secret("0123456789abcdef\n", "rw-r--r--");
        assertThatThrownBy(() -> SecretFile.read("ha.secretFile", file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ha.secretFile: " + file + " is readable by group and others (mode 0644; expected:"
                        + " readable by its owner only: chmod 600 " + file + ")");
    }

    @Test
    void aSecretFileReadableByItsGroupIsRefused() throws IOException {
        Path file = secret("pw", "r--r-----");
        assertThatThrownBy(() -> SecretFile.readPassword("admin.tls.keyStorePasswordFile", file))
                .hasMessage("admin.tls.keyStorePasswordFile: " + file + " is readable by group (mode 0440;"
                        + " expected: readable by its owner only: chmod 400 " + file + ")");
    }

    @Test
    void aSecretFileReadableByOthersIsRefused() throws IOException {
        Path file = secret("pw", "rw----r--");
        assertThatThrownBy(() -> SecretFile.read("ha.secretFile", file))
                .hasMessage("ha.secretFile: " + file + " is readable by others (mode 0604; expected: readable by"
                        + " its owner only: chmod 600 " + file + ")");
    }

    @Test
    void aSecretFileWritableByItsGroupIsRefused() throws IOException {
        // Whoever may write the secret may set it, and then knows it.
        Path file = secret("pw", "rw--w----");
        assertThatThrownBy(() -> SecretFile.read("ha.secretFile", file))
                .hasMessage("ha.secretFile: " + file + " is writable by group (mode 0620; expected: readable by"
                        + " its owner only: chmod 600 " + file + ")");
    }

    @Test
    void anOwnerOnlyFileIsReadWithoutOneTrailingLineEnd() throws IOException {
        assertThat(SecretFile.read("s", secret("0123456789abcdef\n", "rw-------")))
                .asString(StandardCharsets.UTF_8).isEqualTo("0123456789abcdef");
        assertThat(SecretFile.read("s", secret("windows\r\n", "r--------")))
                .asString(StandardCharsets.UTF_8).isEqualTo("windows");
        assertThat(SecretFile.read("s", secret("two\n\n", "rw-------")))
                .asString(StandardCharsets.UTF_8).isEqualTo("two\n");
        assertThat(SecretFile.read("s", secret("", "rw-------"))).isEmpty();
        assertThat(SecretFile.readPassword("s", secret("grüezi\n", "rw-------"))).containsExactly("grüezi"
                .toCharArray());
    }

    @Test
    void aMissingFileIsNamedWithItsSetting() {
        Path file = dir.resolve("nothing");
        assertThatThrownBy(() -> SecretFile.read("ha.secretFile", file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ha.secretFile: " + file + ": no such file (expected: a file readable by its owner only,"
                        + " holding the secret)");
    }

    @Test
    void aDirectoryIsRefused() {
        assertThatThrownBy(() -> SecretFile.read("ha.secretFile", dir))
                .hasMessage("ha.secretFile: " + dir + " is not a regular file (expected: a file holding the secret)");
    }

    @Test
    void aFileLargerThanASecretIsRefused() throws IOException {
        Path file = secret("x".repeat(SecretFile.MAX_BYTES + 1), "rw-------");
        assertThatThrownBy(() -> SecretFile.read("ha.secretFile", file))
                .hasMessage("ha.secretFile: " + file + " holds more than 65536 bytes (expected: a file holding only"
                        + " the secret)");
    }

    @Test
    void aPasswordFileThatIsNotUtf8IsRefused() throws IOException {
        Path file = dir.resolve("pw");
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe});
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> SecretFile.readPassword("admin.tls.keyStorePasswordFile", file))
                .hasMessage("admin.tls.keyStorePasswordFile: " + file + " is not UTF-8 text (expected: a password on"
                        + " one line)");
    }
}
