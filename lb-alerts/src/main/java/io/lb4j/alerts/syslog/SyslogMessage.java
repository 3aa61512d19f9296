package io.lb4j.alerts.syslog;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One RFC 5424 syslog message, and its one encoding: {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG},
 * the timestamp in UTC with milliseconds, header fields as PRINTUSASCII without spaces ({@code _} for anything else,
 * cut to RFC 5424's lengths, {@code -} when empty), structured-data values escaped ({@code "}, {@code \} and
 * {@code ]}), the message UTF-8 without a BOM. Used by lb-alerts' syslog channel and the appliance's Logback syslog
 * appender, so both send the same format. Immutable.
 *
 * @param facility       0-23 (RFC 5424 table 1; local0 is 16)
 * @param severity       0-7 (emergency 0 ... debug 7)
 * @param timestamp      when it happened
 * @param hostName       the sender's host name
 * @param appName        the application, e.g. {@code lb4j}
 * @param procId         the process id, or {@code -}
 * @param msgId          what kind of message, e.g. {@code audit}, or {@code -}
 * @param structuredData SD-ID to its parameters (both in order), empty for {@code -}
 * @param message        the free-form text
 */
public record SyslogMessage(int facility, int severity, Instant timestamp, String hostName, String appName,
                            String procId, String msgId, Map<String, Map<String, String>> structuredData,
                            String message) {

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    /** Checks the numbers; copies the structured data, keeping its order. */
    public SyslogMessage {
        if (facility < 0 || facility > 23) {
            throw new IllegalArgumentException("facility: " + facility + " (expected: 0-23)");
        }
        if (severity < 0 || severity > 7) {
            throw new IllegalArgumentException("severity: " + severity + " (expected: 0-7)");
        }
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(hostName, "hostName");
        Objects.requireNonNull(appName, "appName");
        Objects.requireNonNull(procId, "procId");
        Objects.requireNonNull(msgId, "msgId");
        Objects.requireNonNull(message, "message");
        Map<String, Map<String, String>> copy = new LinkedHashMap<>();
        structuredData.forEach((id, params) -> copy.put(id, java.util.Collections.unmodifiableMap(
                new LinkedHashMap<>(params))));
        structuredData = java.util.Collections.unmodifiableMap(copy);
    }

    /** The PRI value: facility * 8 + severity. */
    public int priority() {
        return facility * 8 + severity;
    }

    /** The message as RFC 5424 text (what a UDP datagram carries, RFC 5426). */
    public String format() {
        StringBuilder b = new StringBuilder(128)
                .append('<').append(priority()).append(">1 ")
                .append(TIMESTAMP.format(timestamp)).append(' ')
                .append(printable(hostName, 255)).append(' ')
                .append(printable(appName, 48)).append(' ')
                .append(printable(procId, 128)).append(' ')
                .append(printable(msgId, 32)).append(' ');
        if (structuredData.isEmpty()) {
            b.append('-');
        }
        structuredData.forEach((id, params) -> {
            b.append('[').append(sdName(id));
            params.forEach((name, value) -> b.append(' ').append(sdName(name)).append("=\"")
                    .append(value.replace("\\", "\\\\").replace("\"", "\\\"").replace("]", "\\]")).append('"'));
            b.append(']');
        });
        if (!message.isEmpty()) {
            b.append(' ').append(message);
        }
        return b.toString();
    }

    /** The message framed for a stream (RFC 6587 octet counting, as RFC 5425 frames TLS): {@code LEN SP MSG}. */
    public byte[] octetCounted() {
        byte[] text = format().getBytes(StandardCharsets.UTF_8);
        byte[] prefix = (text.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] framed = new byte[prefix.length + text.length];
        System.arraycopy(prefix, 0, framed, 0, prefix.length);
        System.arraycopy(text, 0, framed, prefix.length, text.length);
        return framed;
    }

    /** A header field: PRINTUSASCII without spaces, at most {@code max} characters; {@code -} when empty. */
    public static String printable(String value, int max) {
        StringBuilder b = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && b.length() < max; i++) {
            char c = value.charAt(i);
            b.append(c > 32 && c < 127 ? c : '_');
        }
        return b.isEmpty() ? "-" : b.toString();
    }

    /** An SD-NAME: printable, without {@code =}, space, {@code ]} and {@code "}, at most 32 characters. */
    private static String sdName(String name) {
        String p = printable(name, 32);
        return p.replace('=', '_').replace(']', '_').replace('"', '_');
    }
}
