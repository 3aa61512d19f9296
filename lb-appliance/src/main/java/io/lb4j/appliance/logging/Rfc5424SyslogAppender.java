package io.lb4j.appliance.logging;

import ch.qos.logback.classic.net.SyslogAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.util.LevelToSyslogSeverity;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.LayoutBase;
import io.lb4j.alerts.syslog.SyslogMessage;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Map;

/**
 * Logback's {@link SyslogAppender} (UDP, RFC 5426) sending RFC 5424 messages instead of its BSD (RFC 3164) lines:
 * {@code <PRI>1 TIMESTAMP HOSTNAME lb4j PROCID MSGID - MSG}, the timestamp in UTC with milliseconds, MSGID
 * {@code audit} for the audit logger {@code lb4j.audit} and {@code -} otherwise, no structured data. A throwable is
 * summarised in the message (class and message, then its causes); stack traces stay in the log file. The message is
 * encoded by lb-alerts' {@link SyslogMessage}, the codec the syslog alerts use too. Configured like Logback's appender ({@code syslogHost}, {@code port}, {@code facility}); see {@code /etc/lb4j/logback.xml}.
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
        return SyslogMessage.printable(value, max);
    }

    /** One event as one RFC 5424 message. */
    static final class Rfc5424Layout extends LayoutBase<ILoggingEvent> {

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
            StringBuilder text = new StringBuilder(128)
                    .append(event.getLoggerName()).append(": ").append(event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                text.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
            }
            // Logback's facility is already shifted (LOG_LOCAL0 = 16 << 3); the codec takes the facility's number.
            return new SyslogMessage(facility >> 3, LevelToSyslogSeverity.convert(event),
                    Instant.ofEpochMilli(event.getTimeStamp()), hostName, APP_NAME, procId,
                    "lb4j.audit".equals(event.getLoggerName()) ? "audit" : "-", Map.of(), text.toString()).format();
        }
    }
}
