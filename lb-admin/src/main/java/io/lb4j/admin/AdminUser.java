package io.lb4j.admin;

import java.util.Objects;

/**
 * An operator who may log in to the admin server, with a password stored only as a {@link PasswordHash}.
 *
 * @param name         the login name; 1-64 characters, no whitespace or control characters
 * @param passwordHash the password's hash as {@link PasswordHash#of(char[])} makes it
 */
public record AdminUser(String name, String passwordHash) {

    /**
     * Validates both fields.
     *
     * @throws IllegalArgumentException naming the bad field (the hash itself is never echoed)
     * @throws NullPointerException     naming a missing field
     */
    public AdminUser {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(passwordHash, "passwordHash");
        if (!name.matches("[\\p{Graph}&&[^\"\\\\]]{1,64}")) {
            throw new IllegalArgumentException("name: \"" + name + "\" (expected: 1-64 visible characters, no"
                    + " spaces, quotes or backslashes)");
        }
        try {
            PasswordHash.validate(passwordHash);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("users[" + name + "]." + e.getMessage(), e);
        }
    }

    /** A user whose password is hashed here; for tests and programmatic setups. Clear the array afterwards. */
    public static AdminUser withPassword(String name, char[] password) {
        return new AdminUser(name, PasswordHash.of(password));
    }

    @Override
    public String toString() {
        return "AdminUser[" + name + "]"; // the hash stays out of logs too
    }
}
