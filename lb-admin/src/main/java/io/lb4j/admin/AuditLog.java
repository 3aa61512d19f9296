package io.lb4j.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Writes each mutating call to the SLF4J logger {@code lb4j.audit} (for the site's log shipping) and keeps the
 * last {@code capacity} entries in memory (for the API and tests). Values are sanitised so that a user-supplied
 * name cannot forge log lines. Thread-safe.
 */
final class AuditLog {

    static final String LOGGER = "lb4j.audit";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final Clock clock;
    private final int capacity;
    private final Deque<AuditEntry> entries = new ArrayDeque<>();

    AuditLog(Clock clock, int capacity) {
        this.clock = clock;
        this.capacity = capacity;
    }

    AuditEntry record(String user, String remote, String action, String target, String outcome) {
        AuditEntry e = new AuditEntry(clock.instant(), clean(user), clean(remote), clean(action), clean(target),
                clean(outcome));
        synchronized (entries) {
            if (entries.size() == capacity) {
                entries.removeFirst();
            }
            entries.addLast(e);
        }
        LOG.info("user=\"{}\" remote={} action={} target=\"{}\" outcome=\"{}\"", quoted(e.user()), e.remote(),
                e.action(), quoted(e.target()), quoted(e.outcome()));
        return e;
    }

    List<AuditEntry> entries() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    /** A control character (a newline) would let a crafted user name start a fake log line; 200 chars is plenty. */
    private static String clean(String s) {
        if (s == null) {
            return "";
        }
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    /** Escapes quotes so a value cannot close its quoted field and forge another one. */
    private static String quoted(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
