package io.lb4j.admin;

import java.util.Objects;

/**
 * Who logged in, as an {@link Authenticator} vouches for them: the name shown in the audit log and the role that
 * decides what they may do.
 *
 * @param name the principal's name; not blank
 * @param role what they may do
 */
public record AdminPrincipal(String name, AdminRole role) {

    /**
     * Validates both fields.
     *
     * @throws IllegalArgumentException when the name is blank
     * @throws NullPointerException     naming a missing field
     */
    public AdminPrincipal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name: \"" + name + "\" (expected: not blank)");
        }
    }

    /** An {@link AdminRole#OPERATOR operator} named {@code name}. */
    public static AdminPrincipal operator(String name) {
        return new AdminPrincipal(name, AdminRole.OPERATOR);
    }
}
