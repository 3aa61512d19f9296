package io.lb4j.admin;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Login attempts budgeted three ways at once: per client source (IPv4 address or IPv6 /64, see
 * {@link ClientAddress}), per user name (so guessing one operator's password from many addresses is slow too), and
 * in total (so PBKDF2 work, about a third of a core-second per attempt, cannot exhaust the machine from a botnet).
 * Each budget is a token bucket: {@code attempts} at once, refilled at {@code attempts} per {@code period}. An attempt
 * takes a token from all three or from none: a refused attempt costs the other budgets nothing. Every attempt costs
 * a token, successful or not, so guessing costs the same as logging in. Unknown user names are budgeted like known
 * ones, so the limiter tells nothing about which names exist.
 *
 * <p>Hand-written rather than resilience4j's {@code RateLimiter}: that one reads {@code System.nanoTime()} itself
 * (no injected clock, so tests would have to sleep), cannot take from three limiters all-or-nothing (a permit once
 * reserved cannot be handed back), and its registry keeps one limiter per key forever, while here buckets that are
 * full again carry no information and are forgotten. Memory stays bounded: a bucket is created only by an attempt
 * the total budget allowed. Thread-safe (one lock: attempts are few and each costs far more than the lock).
 */
final class LoginLimiter {

    /** {@code attempts} at once, refilled at that many per {@code period}. */
    record Budget(int attempts, Duration period) {
    }

    /** Why an attempt was refused, and how long until that budget has a token again. */
    record Refusal(String scope, Duration retryAfter) {
    }

    private static final int SWEEP_AT = 10_000;

    private final Clock clock;
    private final Budget perSource;
    private final Budget perUser;
    private final Bucket total;
    private final Map<String, Bucket> sources = new HashMap<>();
    private final Map<String, Bucket> users = new HashMap<>();

    /**
     * A token bucket kept as one number, the time at which it is full again (the generic cell rate algorithm):
     * exact integer arithmetic, no refill step.
     */
    private static final class Bucket {
        final long interval;
        final long capacity;
        long fullAt;

        Bucket(Budget budget, long now) {
            this.interval = budget.period().toNanos() / budget.attempts();
            this.capacity = interval * budget.attempts();
            this.fullAt = now;
        }

        /** 0 when a token is there now, else the nanoseconds until one is. */
        long nanosToToken(long now) {
            return Math.max(0, Math.max(fullAt, now) + interval - capacity - now);
        }

        void take(long now) {
            fullAt = Math.max(fullAt, now) + interval;
        }

        boolean full(long now) {
            return fullAt <= now;
        }
    }

    LoginLimiter(Clock clock, Budget perSource, Budget perUser, Budget total) {
        this.clock = clock;
        this.perSource = perSource;
        this.perUser = perUser;
        this.total = new Bucket(total, nanos());
    }

    /**
     * Takes a token for an attempt from {@code address} as {@code user} from each budget; returns null when allowed,
     * else the refusal whose wait is longest (the time after which this attempt would pass).
     */
    synchronized Refusal tryAcquire(InetAddress address, String user) {
        long now = nanos();
        String source = ClientAddress.source(address);
        Bucket bySource = bucket(sources, source, perSource, now);
        Bucket byUser = bucket(users, user, perUser, now);
        Refusal refusal = null;
        refusal = longer(refusal, bySource, now, "from " + source);
        refusal = longer(refusal, byUser, now, "for user \"" + user.replaceAll("\\p{Cntrl}", "?") + "\"");
        refusal = longer(refusal, total, now, "in total");
        if (refusal != null) {
            return refusal;
        }
        bySource.take(now);
        byUser.take(now);
        total.take(now);
        sources.putIfAbsent(source, bySource);
        users.putIfAbsent(user, byUser);
        return null;
    }

    /** The key's bucket; a fresh full one (not yet stored) for a key without one. */
    private static Bucket bucket(Map<String, Bucket> buckets, String key, Budget budget, long now) {
        if (buckets.size() >= SWEEP_AT) {
            // A full bucket carries no information: forget it, so many keys cannot grow the map without bound.
            buckets.values().removeIf(b -> b.full(now));
        }
        Bucket b = buckets.get(key);
        return b != null ? b : new Bucket(budget, now);
    }

    private static Refusal longer(Refusal so, Bucket b, long now, String scope) {
        long wait = b.nanosToToken(now);
        if (wait == 0 || so != null && wait <= so.retryAfter().toNanos()) {
            return so;
        }
        return new Refusal(scope, Duration.ofNanos(wait));
    }

    private long nanos() {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
