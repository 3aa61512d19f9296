package io.lb4j.api.internal;

import java.net.InetAddress;
import java.util.Objects;

/** Parses IP literals without ever touching DNS. Not part of the public API. */
public final class Addresses {

    private Addresses() {
    }

    /**
     * Parses an IPv4 or IPv6 literal (IPv6 optionally in brackets).
     *
     * @throws IllegalArgumentException naming {@code field} when {@code literal} is not an IP literal
     * @throws NullPointerException     naming {@code field} when {@code literal} is null
     */
    public static InetAddress parse(String field, String literal) {
        Objects.requireNonNull(literal, field);
        String s = literal.strip();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        // ofLiteral also takes the legacy short forms ("192.168.100" is 192.168.0.100): a dropped octet in a config
        // file would silently become another host, so IPv4 must be a full dotted quad.
        if (s.indexOf(':') < 0 && s.split("\\.", -1).length != 4) {
            throw Checks.invalid(field, "\"" + literal + "\"", "an IPv4 or IPv6 address literal");
        }
        try {
            return InetAddress.ofLiteral(s); // never a DNS lookup
        } catch (IllegalArgumentException e) {
            throw Checks.invalid(field, "\"" + literal + "\"", "an IPv4 or IPv6 address literal");
        }
    }
}
