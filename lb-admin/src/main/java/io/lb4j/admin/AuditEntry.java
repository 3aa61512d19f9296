package io.lb4j.admin;

import java.time.Instant;

/**
 * One line of the admin server's audit log: who did what, to what, when, and how it ended. Every mutating call
 * (login, logout, halt, drain, online, configuration change) makes one, also when it fails or is refused.
 *
 * @param at      when the call was handled, by the admin server's clock
 * @param user    the authenticated user, or the name given at a failed login ("" when none)
 * @param remote  the client's IP address
 * @param action  what was asked, e.g. {@code halt}, {@code login}, {@code config.replace}
 * @param target  what it applied to, e.g. {@code PACS/PrimaryCluster}; "" when nothing in particular
 * @param outcome {@code ok}, or why not, e.g. {@code denied: wrong password}
 */
public record AuditEntry(Instant at, String user, String remote, String action, String target, String outcome) {
}
