package io.lb4j.api.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/** Parses IP literals without ever touching DNS. Not part of the public API. */
public final class Addresses {

    private Addresses() {
    }

    /**
     * Parses an IPv4 or IPv6 literal.
     *
     * @throws IllegalArgumentException naming {@code field} when {@code literal} is not an IP literal
     */
    public static InetAddress parse(String field, String literal) {
        Objects.requireNonNull(literal, field);
        String s = literal.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        boolean looksLikeIp = !s.isEmpty() && (s.indexOf(':') >= 0 || s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')));
        if (looksLikeIp && s.indexOf(':') < 0 && !isDottedQuad(s)) {
            looksLikeIp = false;
        }
        if (!looksLikeIp) {
            throw Checks.invalid(field, "\"" + literal + "\"", "an IPv4 or IPv6 address literal");
        }
        try {
            return InetAddress.getByName(s); // a literal: no lookup is made
        } catch (UnknownHostException | SecurityException e) {
            throw Checks.invalid(field, "\"" + literal + "\"", "an IPv4 or IPv6 address literal");
        }
    }

    private static boolean isDottedQuad(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) {
                return false;
            }
            if (Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
