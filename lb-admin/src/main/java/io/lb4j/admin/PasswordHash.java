package io.lb4j.admin;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.io.Console;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * Salted PBKDF2-HMAC-SHA256 password hashes in one self-describing text form, so a configuration file holds a
 * hash and never a password:
 *
 * <pre>{@code pbkdf2-sha256$600000$<salt, base64>$<hash, base64>}</pre>
 *
 * <p>{@link #of(char[])} uses {@value #ITERATIONS} iterations (OWASP's current figure for PBKDF2-HMAC-SHA256; the
 * 210,000 that lb4j used before is its figure for HMAC-SHA512) and a 16-byte random salt; {@link #matches} accepts
 * any iteration count from {@value #MIN_ITERATIONS} up, so hashes made before the figure was raised still verify (the
 * admin server upgrades them at the user's next login). Comparison is constant-time. Thread-safe: no state.
 *
 * <p>To make a hash for a configuration file: {@code java -cp lb-admin.jar io.lb4j.admin.PasswordHash} (reads the
 * password from the console without echo, or from the first line of standard input).
 */
public final class PasswordHash {

    /** Iterations used for new hashes. */
    public static final int ITERATIONS = 600_000;
    /** The fewest iterations a stored hash may have; fewer are rejected as too weak to trust. */
    public static final int MIN_ITERATIONS = 100_000;

    private static final String PREFIX = "pbkdf2-sha256";
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {
    }

    /**
     * Hashes {@code password} with a fresh salt. The caller should clear the array afterwards.
     *
     * @throws IllegalArgumentException when the password is empty
     */
    public static String of(char[] password) {
        return of(password, ITERATIONS);
    }

    /** A hash of another cost: tests make hashes as older versions did. */
    static String of(char[] password, int iterations) {
        Objects.requireNonNull(password, "password");
        if (password.length == 0) {
            throw new IllegalArgumentException("password: empty (expected: at least one character)");
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] hash = pbkdf2(password, salt, iterations);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /**
     * Checks that {@code encoded} has the form {@link #of} produces.
     *
     * @throws IllegalArgumentException naming what is wrong with it (never echoing the hash itself)
     */
    public static void validate(String encoded) {
        parse(encoded);
    }

    /** Whether {@code password} hashes to {@code encoded}; false for a malformed hash. */
    public static boolean matches(char[] password, String encoded) {
        Objects.requireNonNull(password, "password");
        Parsed p;
        try {
            p = parse(encoded);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(pbkdf2(password, p.salt, p.iterations), p.hash);
    }

    /**
     * The iteration count of a hash {@link #validate} accepts.
     *
     * @throws IllegalArgumentException when it is malformed
     */
    static int iterations(String encoded) {
        return parse(encoded).iterations;
    }

    private record Parsed(int iterations, byte[] salt, byte[] hash) {
    }

    private static Parsed parse(String encoded) {
        Objects.requireNonNull(encoded, "passwordHash");
        String[] parts = encoded.split("\\$", -1);
        String expected = "expected: " + PREFIX + "$<iterations>$<salt>$<hash> as made by PasswordHash.of";
        if (parts.length != 4 || !parts[0].equals(PREFIX)) {
            throw new IllegalArgumentException("passwordHash: not a PBKDF2 hash (" + expected + ")");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("passwordHash: iterations \"" + parts[1] + "\" (" + expected + ")");
        }
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("passwordHash: " + iterations + " iterations (expected: at least "
                    + MIN_ITERATIONS + ")");
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] hash = Base64.getDecoder().decode(parts[3]);
            if (salt.length < 8 || hash.length != HASH_BITS / 8) {
                throw new IllegalArgumentException("passwordHash: salt or hash of the wrong length (" + expected + ")");
            }
            return new Parsed(iterations, salt, hash);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("passwordHash")) {
                throw e;
            }
            throw new IllegalArgumentException("passwordHash: salt or hash is not base64 (" + expected + ")");
        }
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    /**
     * Prints the hash of a password read from the console (without echo) or from standard input's first line.
     *
     * @param args ignored
     */
    public static void main(String[] args) throws java.io.IOException {
        Console console = System.console();
        char[] password;
        if (console != null) {
            password = console.readPassword("Password: ");
        } else {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                    .readLine();
            password = line == null ? new char[0] : line.toCharArray();
        }
        try {
            System.out.println(of(password));
        } finally {
            Arrays.fill(password, '\0');
        }
    }
}
