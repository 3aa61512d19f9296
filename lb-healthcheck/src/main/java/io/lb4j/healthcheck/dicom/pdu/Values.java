package io.lb4j.healthcheck.dicom.pdu;

import java.util.Objects;

/**
 * Construction checks shared by the PDU values: each field must fit its place on the wire. Messages follow lb4j's
 * shape, {@code "name: value (expected: range)"}. Whatever the decoder reads passes them by construction (an AE title
 * read is at most 16 bytes, a byte at most 255), so decoding never throws {@link IllegalArgumentException}.
 */
final class Values {

    private Values() {
    }

    /** {@code value} within {@code 0..max}. */
    static int unsigned(String name, int value, int max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: 0-" + max + ")");
        }
        return value;
    }

    /** {@code value} within {@code 0..max}, or {@code -1} for an absent field. */
    static int optional(String name, int value, int max) {
        if (value < -1 || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: 0-" + max + ", or -1 when absent)");
        }
        return value;
    }

    /** Text of at most {@code maxLength} characters that ISO 8859-1 can write one byte each. */
    static String text(String name, String value, int maxLength) {
        Objects.requireNonNull(value, name);
        if (value.length() > maxLength) {
            throw new IllegalArgumentException(
                    name + ": \"" + value + "\" (expected: at most " + maxLength + " characters)");
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0xFF) {
                throw new IllegalArgumentException(name + ": \"" + value + "\" (expected: ISO 8859-1 characters)");
            }
        }
        return value;
    }
}
