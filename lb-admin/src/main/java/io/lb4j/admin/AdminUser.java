package io.lb4j.admin;

import java.util.Objects;

/**
 * A user who may log in to the admin server, with a password stored only as a {@link PasswordHash}, and a role.
 *
 * @param name         the login name; 1-64 characters, no whitespace or control characters
 * @param passwordHash the password's hash as {@link PasswordHash#of(char[])} makes it
 * @param role         what the user may do: {@link AdminRole#OPERATOR} (the default) or the read-only
 *                     {@link AdminRole#METRICS}
 */
public record AdminUser(String name, String passwordHash, AdminRole role) {

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException naming the bad field (the hash itself is never echoed)
     * @throws NullPointerException     naming a missing field
     */
    public AdminUser {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(passwordHash, "passwordHash");
        Objects.requireNonNull(role, "role");
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

    /** An {@link AdminRole#OPERATOR operator}. */
    public AdminUser(String name, String passwordHash) {
        this(name, passwordHash, AdminRole.OPERATOR);
    }

    /** An operator whose password is hashed here; for tests and programmatic setups. Clear the array afterwards. */
    public static AdminUser withPassword(String name, char[] password) {
        return new AdminUser(name, PasswordHash.of(password));
    }

    /** The same user with another hash of the same password (see {@link AdminServer.Builder#onPasswordHashUpgrade}). */
    AdminUser withPasswordHash(String hash) {
        return new AdminUser(name, hash, role);
    }

    @Override
    public String toString() {
        return "AdminUser[" + name + ", " + role.configName() + "]"; // the hash stays out of logs too
    }
}
