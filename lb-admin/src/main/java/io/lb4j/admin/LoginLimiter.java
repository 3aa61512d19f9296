package io.lb4j.admin;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per client address for login attempts: {@code attempts} at once, refilled at {@code attempts}
 * per {@code period}. Every attempt costs a token, successful or not, so guessing costs the same as logging in.
 * A small hand-written bucket rather than a library: it is twenty lines and needs per-key buckets with eviction.
 * Thread-safe.
 */
final class LoginLimiter {

    private final Clock clock;
    private final int attempts;
    private final long periodNanos;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long updatedNanos;
    }

    LoginLimiter(Clock clock, int attempts, Duration period) {
        this.clock = clock;
        this.attempts = attempts;
        this.periodNanos = period.toNanos();
    }

    /** Takes a token for {@code key}; returns 0 when allowed, else how long until the next token. */
    Duration tryAcquire(String key) {
        long now = nanos();
        if (buckets.size() > 10_000) {
            // Full buckets carry no information: forget them, so many addresses cannot grow the map without bound.
            buckets.entrySet().removeIf(e -> refill(e.getValue(), now) >= attempts);
        }
        Bucket b = buckets.computeIfAbsent(key, k -> {
            Bucket n = new Bucket();
            n.tokens = attempts;
            n.updatedNanos = now;
            return n;
        });
        synchronized (b) {
            refill(b, now);
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return Duration.ZERO;
            }
            double perToken = (double) periodNanos / attempts;
            return Duration.ofNanos((long) Math.ceil((1 - b.tokens) * perToken));
        }
    }

    private double refill(Bucket b, long now) {
        synchronized (b) {
            long elapsed = now - b.updatedNanos;
            if (elapsed > 0) {
                b.tokens = Math.min(attempts, b.tokens + (double) elapsed * attempts / periodNanos);
                b.updatedNanos = now;
            }
            return b.tokens;
        }
    }

    private long nanos() {
        java.time.Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
