package io.lb4j.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How configuration writes a duration: a whole number with a unit, {@code 500ms}, {@code 30s}, {@code 5m},
 * {@code 1h}, or {@code 0}. One form for the appliance file, the admin API and replication, and the shortest
 * exact one when written, so {@code parse(format(d)).equals(d)} for every duration of whole milliseconds.
 * Pure functions; thread-safe.
 */
public final class Durations {

    /** How a message describes the accepted forms: {@code what: 30 (expected: FORMS)}. */
    public static final String FORMS = "a duration such as 500ms, 30s, 5m or 1h";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final long MAX = 999_999_999L;
    private static final String[] UNITS = {"ms", "s", "m", "h"};
    private static final long[] UNIT_MILLIS = {1, 1000, 60_000, 3_600_000};

    private Durations() {
    }

    /**
     * Reads {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} (at most nine digits) or {@code 0}.
     *
     * @throws IllegalArgumentException {@code "30" (expected: a duration such as 500ms, 30s, 5m or 1h)}
     */
    public static Duration parse(String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" (expected: " + FORMS + ")");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /**
     * The shortest form {@link #parse} reads back exactly: {@code 0}, {@code 1500ms}, {@code 30s}, {@code 5m},
     * {@code 2h}.
     *
     * @throws IllegalArgumentException for a negative duration, one with a fraction of a millisecond, or one whose
     *                                  number would need more than nine digits: none of them has a written form
     */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0";
        }
        if (!d.isNegative() && d.getNano() % 1_000_000 == 0 && d.toHours() <= MAX) {
            long ms = d.toMillis();
            for (int i = UNITS.length - 1; i >= 0; i--) {
                if (ms % UNIT_MILLIS[i] == 0 && ms / UNIT_MILLIS[i] <= MAX) {
                    return ms / UNIT_MILLIS[i] + UNITS[i];
                }
            }
        }
        throw new IllegalArgumentException(d + " (expected: a duration of whole milliseconds, not negative,"
                + " at most 999999999 of one unit)");
    }
}
