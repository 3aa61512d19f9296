package io.lb4j.api.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * Parses IP literals without ever touching DNS, and writes addresses the one way lb4j shows them (logs, events,
 * status, the admin API, the appliance file, script arguments). Not part of the public API.
 */
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

    /**
     * The address as lb4j writes it: IPv4 dotted quad; IPv6 in the RFC 5952 form ({@code fd00::110}, lowercase, the
     * longest run of two or more zero groups as {@code ::}, the first of equal runs) without a scope ({@code %eth0}),
     * which names an interface of this host and means nothing in a label, a URL or a peer's configuration.
     * {@link InetAddress#getHostAddress()} writes IPv6 in full ({@code fd00:0:0:0:0:0:0:110}) and with the scope.
     */
    public static String text(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group stays "0" (RFC 5952 section 4.2.2)
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder s = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    /**
     * {@code address:port} as a URL or a log line writes it: {@code 192.0.2.7:104}, {@code [fd00::110]:104}; the
     * address as {@link #text(InetAddress)} writes it.
     */
    public static String hostPort(InetAddress address, int port) {
        String host = text(address);
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
    }
}
