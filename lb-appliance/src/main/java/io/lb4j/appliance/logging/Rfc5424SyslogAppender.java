package io.lb4j.appliance.logging;

import ch.qos.logback.classic.net.SyslogAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.util.LevelToSyslogSeverity;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.LayoutBase;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Logback's {@link SyslogAppender} (UDP, RFC 5426) sending RFC 5424 messages instead of its BSD (RFC 3164) lines:
 * {@code <PRI>1 TIMESTAMP HOSTNAME lb4j PROCID MSGID - MSG}, the timestamp in UTC with milliseconds, MSGID
 * {@code audit} for the audit logger {@code lb4j.audit} and {@code -} otherwise, no structured data. A throwable is
 * summarised in the message (class and message, then its causes); stack traces stay in the log file. Configured like
 * Logback's appender ({@code syslogHost}, {@code port}, {@code facility}); see {@code /etc/lb4j/logback.xml}.
 */
public final class Rfc5424SyslogAppender extends SyslogAppender {

    /** The APP-NAME of every message. */
    static final String APP_NAME = "lb4j";

    /** Creates the appender; Logback sets its properties from the configuration file. */
    public Rfc5424SyslogAppender() {
        // The stack trace lines SyslogAppender would send after each message carry its RFC 3164 prefix.
        setThrowableExcluded(true);
    }

    @Override
    public Layout<ILoggingEvent> buildLayout() {
        Rfc5424Layout layout = new Rfc5424Layout(facilityStringToint(getFacility()), hostName(),
                Long.toString(ProcessHandle.current().pid()));
        layout.setContext(getContext());
        layout.start();
        return layout;
    }

    private static String hostName() {
        try {
            return printable(InetAddress.getLocalHost().getHostName(), 255);
        } catch (UnknownHostException e) {
            return "-";
        }
    }

    /** RFC 5424's header fields are PRINTUSASCII without spaces, at most {@code max} characters; "-" when empty. */
    static String printable(String value, int max) {
        StringBuilder b = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && b.length() < max; i++) {
            char c = value.charAt(i);
            b.append(c > 32 && c < 127 ? c : '_');
        }
        return b.isEmpty() ? "-" : b.toString();
    }

    /** One event as one RFC 5424 message. */
    static final class Rfc5424Layout extends LayoutBase<ILoggingEvent> {

        private static final DateTimeFormatter TIMESTAMP =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

        private final int facility;
        private final String hostName;
        private final String procId;

        Rfc5424Layout(int facility, String hostName, String procId) {
            this.facility = facility;
            this.hostName = hostName;
            this.procId = procId;
        }

        @Override
        public String doLayout(ILoggingEvent event) {
            StringBuilder b = new StringBuilder(128)
                    .append('<').append(facility + LevelToSyslogSeverity.convert(event)).append(">1 ")
                    .append(TIMESTAMP.format(Instant.ofEpochMilli(event.getTimeStamp()))).append(' ')
                    .append(hostName).append(' ')
                    .append(APP_NAME).append(' ')
                    .append(procId).append(' ')
                    .append("lb4j.audit".equals(event.getLoggerName()) ? "audit" : "-").append(" - ")
                    .append(event.getLoggerName()).append(": ").append(event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                b.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
            }
            return b.toString();
        }
    }
}
