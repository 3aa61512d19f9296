package io.lb4j.alerts;

import java.util.List;
import java.util.Locale;

/**
 * Alerts as RFC 5424 syslog messages to a collector: over UDP (RFC 5426, one message per datagram) or TCP (RFC 6587
 * octet counting, one connection kept open and opened again after an error). Each message has APP-NAME {@code lb4j},
 * MSGID {@code alert} ({@code digest} for a rate-limit summary) and the structured data
 * {@code [alert@32473 kind=... name=... state=... count=...]}, its severity from {@link Alert.Severity}. Immutable.
 *
 * @param host      the collector's host name or address
 * @param port      its port (514)
 * @param transport UDP or TCP
 * @param facility  the facility name ({@code daemon}, {@code local0}...; default {@code daemon})
 */
public record Syslog(String host, int port, Transport transport, String facility) implements AlertChannel {

    /** The facilities by name, in RFC 5424's order (their codes are the indexes). */
    public static final List<String> FACILITIES = List.of("kern", "user", "mail", "daemon", "auth", "syslog", "lpr",
            "news", "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
            "local3", "local4", "local5", "local6", "local7");

    /** How messages travel. */
    public enum Transport {
        /** RFC 5426: one message per datagram; lost silently if nobody listens. */
        UDP,
        /** RFC 6587 octet counting over one kept connection; a failed write is retried. */
        TCP
    }

    /** Checks every field. */
    public Syslog {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("syslog.server: \"" + host + "\" (expected: the collector's host name"
                    + " or address)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("syslog.port: " + port + " (expected: 1-65535, usually 514)");
        }
        java.util.Objects.requireNonNull(transport, "transport");
        if (!FACILITIES.contains(facility)) {
            throw new IllegalArgumentException("syslog.facility: \"" + facility + "\" (expected: one of "
                    + String.join(", ", FACILITIES) + ")");
        }
    }

    /** To {@code host:port} over UDP, facility {@code daemon}. */
    public static Syslog udp(String host, int port) {
        return new Syslog(host, port, Transport.UDP, "daemon");
    }

    /** To {@code host:port} over TCP, facility {@code daemon}. */
    public static Syslog tcp(String host, int port) {
        return new Syslog(host, port, Transport.TCP, "daemon");
    }

    /** The same with another facility. */
    public Syslog withFacility(String facility) {
        return new Syslog(host, port, transport, facility);
    }

    /** The facility's code (0-23). */
    public int facilityCode() {
        return FACILITIES.indexOf(facility);
    }

    @Override
    public String type() {
        return "syslog";
    }

    @Override
    public String target() {
        return transport.name().toLowerCase(Locale.ROOT) + "://" + host + ":" + port;
    }
}
