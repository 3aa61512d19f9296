package io.lb4j.admin;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logged-in sessions: an unguessable id (the cookie) and a CSRF token bound to it, expiring after an idle
 * timeout. At most {@code maxSessions} live at once; the least recently used goes first, so a flood of logins
 * cannot exhaust memory. Thread-safe.
 */
final class Sessions {

    record Session(String id, String user, AdminRole role, String csrfToken, Instant created, Instant lastSeen) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    private final Duration idleTimeout;
    private final int maxSessions;
    private final Map<String, Session> byId = new ConcurrentHashMap<>();

    Sessions(Clock clock, Duration idleTimeout, int maxSessions) {
        this.clock = clock;
        this.idleTimeout = idleTimeout;
        this.maxSessions = maxSessions;
    }

    Session create(AdminPrincipal principal) {
        Instant now = clock.instant();
        Session s = new Session(token(), principal.name(), principal.role(), token(), now, now);
        synchronized (this) {
            if (byId.size() >= maxSessions) {
                byId.values().stream().min(Comparator.comparing(Session::lastSeen)).ifPresent(o -> byId.remove(o.id()));
            }
            byId.put(s.id(), s);
        }
        return s;
    }

    /** The live session with this id, its idle timer restarted; empty when unknown or expired. */
    Optional<Session> touch(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Session s = byId.get(id);
        if (s == null) {
            return Optional.empty();
        }
        if (s.lastSeen().plus(idleTimeout).isBefore(now)) {
            byId.remove(id);
            return Optional.empty();
        }
        Session touched = new Session(s.id(), s.user(), s.role(), s.csrfToken(), s.created(), now);
        byId.replace(id, s, touched);
        return Optional.of(touched);
    }

    void remove(String id) {
        if (id != null) {
            byId.remove(id);
        }
    }

    /** Constant-time, so the token cannot be guessed byte by byte from response times. */
    static boolean csrfMatches(Session s, String header) {
        return header != null && MessageDigest.isEqual(s.csrfToken().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
