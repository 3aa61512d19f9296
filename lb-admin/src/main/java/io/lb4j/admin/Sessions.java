package io.lb4j.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Logged-in sessions: an unguessable id (the cookie) and a CSRF token bound to it, expiring after an idle
 * timeout. At most {@code maxSessions} live at once; the least recently used goes first, so a flood of logins
 * cannot exhaust memory. However a session ends (logout, expiry, eviction), {@code onEnd} hears its id, so that
 * what it holds open (event streams) closes with it. Only requests restart the idle timer; an open event stream
 * does not, or a forgotten page would keep its session alive for ever. Thread-safe; {@code onEnd} is called outside
 * any lock.
 */
final class Sessions {

    record Session(String id, String user, AdminRole role, String csrfToken, Instant created, Instant lastSeen) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    private final Duration idleTimeout;
    private final int maxSessions;
    private final Consumer<String> onEnd;
    private final Map<String, Session> byId = new ConcurrentHashMap<>();

    Sessions(Clock clock, Duration idleTimeout, int maxSessions, Consumer<String> onEnd) {
        this.clock = clock;
        this.idleTimeout = idleTimeout;
        this.maxSessions = maxSessions;
        this.onEnd = onEnd;
    }

    Session create(AdminPrincipal principal) {
        Instant now = clock.instant();
        Session s = new Session(token(), principal.name(), principal.role(), token(), now, now);
        Session evicted = null;
        synchronized (this) {
            if (byId.size() >= maxSessions) {
                evicted = byId.values().stream().min(Comparator.comparing(Session::lastSeen)).orElse(null);
                if (evicted != null) {
                    byId.remove(evicted.id());
                }
            }
            byId.put(s.id(), s);
        }
        if (evicted != null) {
            onEnd.accept(evicted.id());
        }
        return s;
    }

    /** The live session with this id, its idle timer restarted; empty when unknown or expired. */
    Optional<Session> touch(String id) {
        Optional<Session> s = live(id);
        if (s.isEmpty()) {
            return s;
        }
        Session old = s.get();
        Session touched = new Session(old.id(), old.user(), old.role(), old.csrfToken(), old.created(),
                clock.instant());
        byId.replace(id, old, touched);
        return Optional.of(touched);
    }

    /** Whether the session is live, without restarting its idle timer (an event stream asks this). */
    boolean alive(String id) {
        return live(id).isPresent();
    }

    void remove(String id) {
        if (id != null && byId.remove(id) != null) {
            onEnd.accept(id);
        }
    }

    /** Ends every expired session; the server calls it periodically, so expiry does not wait for a request. */
    void sweep() {
        Instant now = clock.instant();
        List<String> ended = new ArrayList<>();
        byId.values().removeIf(s -> {
            boolean expired = expired(s, now);
            if (expired) {
                ended.add(s.id());
            }
            return expired;
        });
        ended.forEach(onEnd);
    }

    private Optional<Session> live(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Session s = byId.get(id);
        if (s == null) {
            return Optional.empty();
        }
        if (expired(s, clock.instant())) {
            if (byId.remove(id, s)) {
                onEnd.accept(id);
            }
            return Optional.empty();
        }
        return Optional.of(s);
    }

    private boolean expired(Session s, Instant now) {
        return s.lastSeen().plus(idleTimeout).isBefore(now);
    }

    /** Constant-time, so the token cannot be guessed byte by byte from response times. */
    static boolean csrfMatches(Session s, String header) {
        return header != null && MessageDigest.isEqual(s.csrfToken().getBytes(StandardCharsets.US_ASCII),
                header.getBytes(StandardCharsets.US_ASCII));
    }

    private static String token() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
