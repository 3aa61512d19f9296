package io.lb4j.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a secret (the HA pair's shared secret, a key store's password) from a file, and refuses a file that anyone
 * but its owner may read or write, as ssh refuses a private key: a secret the whole host can read is no secret, and
 * the operator should hear so at start, with the command that fixes it:
 *
 * <pre>{@code
 * ha.secretFile: /etc/lb4j/ha.secret is readable by group and others (mode 0644; expected: readable by its owner
 * only: chmod 600 /etc/lb4j/ha.secret)
 * }</pre>
 *
 * <p>The secret is the file's bytes without one trailing line end ({@code \n} or {@code \r\n}), so a secret written
 * with {@code echo} or an editor equals one written without. The mode is checked before a byte is read. On a file
 * system without POSIX permissions (Windows) the mode cannot be checked, and the file's ACLs are the owner's
 * responsibility. Callers should overwrite the returned array once they are done with it. Thread-safe: no state.
 */
public final class SecretFile {

    /** The largest secret file read: more is a mistake (the wrong file), not a secret. */
    public static final int MAX_BYTES = 64 * 1024;

    private static final int GROUP_BITS = 0070;
    private static final int OTHERS_BITS = 0007;
    private static final int READ_BITS = 0044;

    private SecretFile() {
    }

    /**
     * The secret in {@code file}: its bytes without one trailing line end.
     *
     * @param setting the setting that names the file, for messages, e.g. {@code ha.secretFile}
     * @param file    the file
     * @throws IllegalArgumentException when the file does not exist, is not a regular file, may be read or written
     *                                  by its group or others (the message carries the {@code chmod} that fixes
     *                                  it), or holds more than {@value #MAX_BYTES} bytes
     * @throws UncheckedIOException     when it cannot be read
     */
    public static byte[] read(String setting, Path file) {
        Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(file, "file");
        checkMode(setting, file);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw missing(setting, file);
        } catch (IOException e) {
            throw new UncheckedIOException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length > MAX_BYTES) {
            Arrays.fill(bytes, (byte) 0);
            throw new IllegalArgumentException(setting + ": " + file + " holds more than " + MAX_BYTES
                    + " bytes (expected: a file holding only the secret)");
        }
        int end = bytes.length;
        if (end > 0 && bytes[end - 1] == '\n') {
            end--;
            if (end > 0 && bytes[end - 1] == '\r') {
                end--;
            }
        }
        if (end == bytes.length) {
            return bytes;
        }
        byte[] secret = Arrays.copyOf(bytes, end);
        Arrays.fill(bytes, (byte) 0);
        return secret;
    }

    /**
     * The secret in {@code file} as characters (UTF-8), for a password: {@link #read} decoded.
     *
     * @throws IllegalArgumentException as {@link #read}, and when the file is not UTF-8
     * @throws UncheckedIOException     when it cannot be read
     */
    public static char[] readPassword(String setting, Path file) {
        byte[] bytes = read(setting, file);
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            char[] password = new char[chars.remaining()];
            chars.get(password);
            // The decoder's buffer held the password too: overwrite it as well.
            Arrays.fill(chars.array(), '\0');
            return password;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(setting + ": " + file + " is not UTF-8 text (expected: a password"
                    + " on one line)", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static void checkMode(String setting, Path file) {
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, PosixFileAttributes.class);
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system: nothing to check
        } catch (NoSuchFileException e) {
            throw missing(setting, file);
        } catch (IOException e) {
            throw new UncheckedIOException(setting + ": cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!attributes.isRegularFile()) {
            throw new IllegalArgumentException(setting + ": " + file + " is not a regular file (expected: a file"
                    + " holding the secret)");
        }
        int mode = mode(attributes.permissions());
        if ((mode & (GROUP_BITS | OTHERS_BITS)) == 0) {
            return;
        }
        String who = (mode & GROUP_BITS) != 0 && (mode & OTHERS_BITS) != 0 ? "group and others"
                : (mode & GROUP_BITS) != 0 ? "group" : "others";
        String how = (mode & READ_BITS) != 0 ? "readable" : "writable";
        throw new IllegalArgumentException(String.format("%s: %s is %s by %s (mode %04o; expected: readable by its"
                + " owner only: chmod %03o %s)", setting, file, how, who, mode, mode & 0700, file));
    }

    private static IllegalArgumentException missing(String setting, Path file) {
        return new IllegalArgumentException(setting + ": " + file + ": no such file (expected: a file readable by"
                + " its owner only, holding the secret)");
    }

    /** The permission bits as {@code ls -l} and {@code chmod} number them. */
    private static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            // OWNER_READ is ordinal 0 and worth 0400, ..., OTHERS_EXECUTE is ordinal 8 and worth 0001.
            mode |= 0400 >> p.ordinal();
        }
        return mode;
    }
}
