package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.util.Objects;

/** The one check of a DICOM AE title (PS3.5 value representation AE), for every DICOM probe. */
final class AeTitles {

    private AeTitles() {
    }

    /**
     * @throws IllegalArgumentException when {@code title} is not 1-16 printable ASCII characters without a backslash
     *                                  and not only spaces
     * @throws NullPointerException     naming {@code field} when missing
     */
    static void check(String field, String title) {
        Objects.requireNonNull(title, field);
        String expected = "1-16 printable ASCII characters, no backslash, not only spaces";
        if (title.isEmpty() || title.length() > 16 || title.isBlank()) {
            throw Checks.invalid(field, "\"" + title + "\"", expected);
        }
        for (int i = 0; i < title.length(); i++) {
            char c = title.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '\\') {
                throw Checks.invalid(field, "\"" + title + "\"", expected);
            }
        }
    }
}
