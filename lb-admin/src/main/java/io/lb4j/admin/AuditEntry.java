package io.lb4j.admin;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of the admin server's audit log: who did what, to what, when, how it ended, and how often. Every call of
 * a logged-in user that changes something (login, logout, halt, drain, online, configuration change) makes one, also
 * when it fails or is refused. Failures of callers who are not logged in (a wrong password, a command without a
 * session) are aggregated instead: one entry per source, action and outcome per interval, whose {@code count} grows.
 *
 * @param at      when the call was handled (for an aggregate: the first of its interval), by the server's clock
 * @param user    the authenticated user, or the name(s) given at failed logins ("" when none)
 * @param remote  the client's IP address (for an aggregate: its source, an IPv4 address or an IPv6 /64)
 * @param action  what was asked, e.g. {@code halt}, {@code login}, {@code config.replace}
 * @param target  what it applied to, e.g. {@code PACS/PrimaryCluster}; "" when nothing in particular
 * @param outcome {@code ok}, or why not, e.g. {@code denied: wrong user name or password}
 * @param count   how many calls this entry stands for: 1, or more for an aggregate of unauthenticated failures
 */
public record AuditEntry(Instant at, String user, String remote, String action, String target, String outcome,
                         int count) {

    /**
     * Requires every field and a positive count.
     *
     * @throws IllegalArgumentException when count is below 1
     */
    public AuditEntry {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(outcome, "outcome");
        if (count < 1) {
            throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
        }
    }

    /** One call. */
    public AuditEntry(Instant at, String user, String remote, String action, String target, String outcome) {
        this(at, user, remote, action, target, outcome, 1);
    }
}
