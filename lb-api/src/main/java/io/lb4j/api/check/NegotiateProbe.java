package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Connect, send some bytes (possibly none), and pass when what the server sends back matches a regular expression
 * before the timeout: ldirectord's "negotiate" check, e.g. an SMTP or XMPP banner.
 *
 * <p>{@code send} is text whose characters are bytes: each character must be in U+0000-U+00FF and is sent as that
 * one byte (ISO-8859-1), so binary requests can be written with escapes. The reply is decoded the same way and
 * searched ({@link java.util.regex.Matcher#find()}) as it arrives, over at most its first 64 KiB.
 *
 * @param send   bytes to send after connecting; empty to only read what the server says first
 * @param expect a regular expression that a passing reply contains
 */
public record NegotiateProbe(String send, String expect) implements Probe {

    /**
     * Validates both fields.
     *
     * @throws IllegalArgumentException when {@code send} has a character above U+00FF or {@code expect} is not a
     *                                  valid, non-empty regular expression
     * @throws NullPointerException     naming a missing field
     */
    public NegotiateProbe {
        Objects.requireNonNull(send, "negotiate.send");
        Objects.requireNonNull(expect, "negotiate.expect");
        for (int i = 0; i < send.length(); i++) {
            if (send.charAt(i) > 0xff) {
                throw Checks.invalid("negotiate.send", "character U+" + Integer.toHexString(send.charAt(i)).toUpperCase()
                        + " at index " + i, "characters U+0000-U+00FF, one byte each");
            }
        }
        if (expect.isEmpty()) {
            throw Checks.invalid("negotiate.expect", "\"\"", "a non-empty regular expression");
        }
        try {
            Pattern.compile(expect);
        } catch (PatternSyntaxException e) {
            throw Checks.invalid("negotiate.expect", "\"" + expect + "\"", "a valid regular expression: " + e.getDescription());
        }
    }

    /** Sends {@code send}, expects {@code expect}. */
    public static NegotiateProbe of(String send, String expect) {
        return new NegotiateProbe(send, expect);
    }

    @Override
    public String type() {
        return "negotiate";
    }
}
