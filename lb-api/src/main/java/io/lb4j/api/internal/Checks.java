package io.lb4j.api.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Argument checks whose messages follow one shape: {@code "field: value (expected: what is allowed)"}.
 * Not part of the public API.
 */
public final class Checks {

    private Checks() {
    }

    public static int inRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: " + min + "-" + max + ")");
        }
        return value;
    }

    public static Duration positive(String field, Duration value) {
        Objects.requireNonNull(value, field);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    public static Duration notNegative(String field, Duration value) {
        Objects.requireNonNull(value, field);
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: >= 0)");
        }
        return value;
    }

    public static String label(String field, String value) {
        Objects.requireNonNull(value, field);
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + ": \"" + value + "\" (expected: a non-blank label)");
        }
        return value;
    }

    public static IllegalArgumentException invalid(String field, Object value, String expected) {
        return new IllegalArgumentException(field + ": " + value + " (expected: " + expected + ")");
    }
}
