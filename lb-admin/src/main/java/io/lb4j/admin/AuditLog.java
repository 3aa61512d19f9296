package io.lb4j.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The audit log: each entry goes to the SLF4J logger {@code lb4j.audit} (for the site's log shipping) and into memory
 * (for the API and tests). Values are sanitised so that a user-supplied name cannot forge log lines. Thread-safe.
 *
 * <p>Two rings, so that noise cannot push out what operators did. {@link #record} keeps the last {@code capacity}
 * calls of logged-in users (and successful logins). {@link #unauthenticated} takes the failures of callers who are
 * not logged in, which anyone who can reach the port can produce at will: they are aggregated per source (IPv4
 * address or IPv6 /64), action and outcome over {@code interval}. The first failure of an interval is logged and
 * kept at once; later ones in the same interval only raise that entry's count; when the interval is over, one
 * summary line with {@code count=N} is logged if there was more than one. Those aggregates have a ring of
 * {@code capacity} of their own.
 */
final class AuditLog {

    static final String LOGGER = "lb4j.audit";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    /** Names tried at failed logins that an aggregate lists; more show as a count only. */
    private static final int NAMES_SHOWN = 5;

    private final Clock clock;
    private final int capacity;
    private final Duration interval;
    private final Deque<AuditEntry> operatorRing = new ArrayDeque<>();
    private final Deque<Aggregate> failureRing = new ArrayDeque<>();
    /** The aggregates whose interval is still open, by source, action and outcome; each is in the ring too. */
    private final Map<List<String>, Aggregate> open = new HashMap<>();

    /** Unauthenticated failures of one source, action and outcome in one interval. */
    private static final class Aggregate {
        final List<String> key;
        final Instant start;
        final Set<String> names = new LinkedHashSet<>();
        AuditEntry entry;

        Aggregate(List<String> key, AuditEntry first) {
            this.key = key;
            this.start = first.at();
            this.entry = first;
            if (!first.user().isEmpty()) {
                names.add(first.user());
            }
        }
    }

    AuditLog(Clock clock, int capacity, Duration interval) {
        this.clock = clock;
        this.capacity = capacity;
        this.interval = interval;
    }

    /** Records a call of a logged-in user, or a successful login. */
    AuditEntry record(String user, String remote, String action, String target, String outcome) {
        AuditEntry e = new AuditEntry(clock.instant(), clean(user), clean(remote), clean(action), clean(target),
                clean(outcome));
        synchronized (this) {
            if (operatorRing.size() == capacity) {
                operatorRing.removeFirst();
            }
            operatorRing.addLast(e);
        }
        log(e);
        return e;
    }

    /**
     * Records a failure of a caller who is not logged in: a new entry when it is the first of its source, action and
     * outcome in the current interval, else one more in that entry's count.
     */
    void unauthenticated(String user, InetAddress remote, String action, String target, String outcome) {
        Instant now = clock.instant();
        AuditEntry first = new AuditEntry(now, clean(user), ClientAddress.source(remote), clean(action),
                clean(target), clean(outcome));
        List<String> key = List.of(first.remote(), first.action(), first.outcome());
        List<AuditEntry> summaries = new ArrayList<>();
        boolean isNew;
        synchronized (this) {
            closeEnded(now, summaries);
            Aggregate a = open.get(key);
            isNew = a == null;
            if (isNew) {
                a = new Aggregate(key, first);
                open.put(key, a);
                if (failureRing.size() == capacity) {
                    Aggregate oldest = failureRing.removeFirst();
                    if (open.remove(oldest.key, oldest)) {
                        summaries.add(oldest.entry);
                    }
                }
                failureRing.addLast(a);
            } else {
                if (!first.user().isEmpty() && a.names.size() <= NAMES_SHOWN) {
                    a.names.add(first.user());
                }
                AuditEntry e = a.entry;
                a.entry = new AuditEntry(e.at(), names(a), e.remote(), e.action(), e.target(), e.outcome(),
                        e.count() + 1);
            }
        }
        if (isNew) {
            log(first);
        }
        summaries.forEach(AuditLog::logSummary);
    }

    /** Logs the summaries of the intervals that are over; the server calls it periodically. */
    void flush() {
        List<AuditEntry> summaries = new ArrayList<>();
        synchronized (this) {
            closeEnded(clock.instant(), summaries);
        }
        summaries.forEach(AuditLog::logSummary);
    }

    /** Both rings, oldest first (aggregates by the time of their first failure). */
    List<AuditEntry> entries() {
        flush();
        List<AuditEntry> all = new ArrayList<>();
        synchronized (this) {
            all.addAll(operatorRing);
            failureRing.forEach(a -> all.add(a.entry));
        }
        all.sort(Comparator.comparing(AuditEntry::at)); // stable: equal times keep their ring order
        return all;
    }

    private void closeEnded(Instant now, List<AuditEntry> summaries) {
        for (Iterator<Aggregate> it = open.values().iterator(); it.hasNext(); ) {
            Aggregate a = it.next();
            if (!now.isBefore(a.start.plus(interval))) {
                it.remove();
                summaries.add(a.entry);
            }
        }
    }

    private static String names(Aggregate a) {
        List<String> shown = a.names.stream().limit(NAMES_SHOWN).toList();
        return String.join(", ", shown) + (a.names.size() > NAMES_SHOWN ? ", ..." : "");
    }

    private static void log(AuditEntry e) {
        LOG.info("user=\"{}\" remote={} action={} target=\"{}\" outcome=\"{}\"", quoted(e.user()), e.remote(),
                e.action(), quoted(e.target()), quoted(e.outcome()));
    }

    private static void logSummary(AuditEntry e) {
        if (e.count() > 1) {
            LOG.info("user=\"{}\" remote={} action={} target=\"{}\" outcome=\"{}\" count={} since={}", quoted(e.user()),
                    e.remote(), e.action(), quoted(e.target()), quoted(e.outcome()), e.count(), e.at());
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
