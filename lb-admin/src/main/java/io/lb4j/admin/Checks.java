package io.lb4j.admin;

import java.net.InetAddress;
import java.util.Objects;

/**
 * The value checks that the records an embedder hands the server share ({@link PairStatus}, {@link ClusterStatus}),
 * so each rejected value is named the same way: {@code field: value (expected: ...)}.
 */
final class Checks {

    private Checks() {
    }

    /**
     * Requires an IP literal: a name would make rendering the page wait on DNS.
     *
     * @throws NullPointerException     naming the field when the value is null
     * @throws IllegalArgumentException {@code field: "value" (expected: an IP literal such as 192.0.2.100)}
     */
    static void literal(String field, String value) {
        try {
            InetAddress.ofLiteral(Objects.requireNonNull(value, field));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": \"" + value + "\" (expected: an IP literal such as"
                    + " 192.0.2.100)", e);
        }
    }

    /**
     * Requires 1 to {@code max} characters, not all blank.
     *
     * @throws NullPointerException     naming the field when the value is null
     * @throws IllegalArgumentException {@code field: "value" (expected: 1-max characters)}
     */
    static void length(String field, String value, int max) {
        Objects.requireNonNull(value, field);
        if (value.isBlank() || value.length() > max) {
            throw new IllegalArgumentException(field + ": \"" + value + "\" (expected: 1-" + max + " characters)");
        }
    }
}
