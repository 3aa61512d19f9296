package io.lb4j.alerts;

import io.lb4j.api.spi.TaskClock;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What to alert on and where: the channels, the rate limit and the retry policy. An immutable spec; {@link #start}
 * makes the {@link AlertDispatcher} that delivers.
 *
 * <pre>{@code
 * Alerts alerts = Alerts.builder()
 *         .email(Email.server("smtp.example.org", 587).login("lb4j", password)
 *                 .from("lb4j@example.org").to("pacs-admins@example.org").build())
 *         .syslog(Syslog.udp("10.0.0.9", 514))
 *         .rateLimit(Duration.ofMinutes(5))
 *         .build();
 * try (AlertDispatcher dispatcher = alerts.start(meterRegistry)) {
 *     dispatcher.attach(balancer);
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Rate limit.</b> Alerts are limited per key (kind and name: one real server, one service, one VRRP instance).
 * The first alert of a key goes out at once and opens a window of {@link #rateLimit()}; alerts of that key inside the
 * window are held (counted as suppressed), and when the window ends they go out as one summary ("changed state 6
 * times in 5m: DOWN, UP, ...; now UP") that opens the next window. A key whose window passes quietly is forgotten. So
 * a flapping primary sends one alert and one summary per window, and the last word always has the state it ended in.
 *
 * <p><b>Retries.</b> A failed delivery (no answer, refused, a 5xx) is retried after {@link #firstRetry()}, doubling
 * each time up to {@link #maxRetry()}, {@link #attempts()} attempts in all; then it is counted as failed. Notify
 * scripts are not retried (see {@link NotifyScript}).
 */
public final class Alerts {

    /** The rate-limit window by default. */
    public static final Duration DEFAULT_RATE_LIMIT = Duration.ofMinutes(5);
    /** Attempts per delivery by default: the first and five retries (1 s, 2 s, 4 s, 8 s, 16 s). */
    public static final int DEFAULT_ATTEMPTS = 6;
    /** The first retry's delay by default. */
    public static final Duration DEFAULT_FIRST_RETRY = Duration.ofSeconds(1);
    /** The longest delay between attempts by default. */
    public static final Duration DEFAULT_MAX_RETRY = Duration.ofMinutes(5);

    private final List<AlertChannel> channels;
    private final Duration rateLimit;
    private final int attempts;
    private final Duration firstRetry;
    private final Duration maxRetry;

    private Alerts(Builder b) {
        this.channels = List.copyOf(b.channels);
        this.rateLimit = b.rateLimit;
        this.attempts = b.attempts;
        this.firstRetry = b.firstRetry;
        this.maxRetry = b.maxRetry;
    }

    /** A builder with the defaults and no channel. */
    public static Builder builder() {
        return new Builder();
    }

    /** The channels, in the order they were added. */
    public List<AlertChannel> channels() {
        return channels;
    }

    /** The rate-limit window per key; zero sends every alert at once. */
    public Duration rateLimit() {
        return rateLimit;
    }

    /** Attempts per delivery, the first included. */
    public int attempts() {
        return attempts;
    }

    /** The delay before the first retry. */
    public Duration firstRetry() {
        return firstRetry;
    }

    /** The longest delay between two attempts. */
    public Duration maxRetry() {
        return maxRetry;
    }

    /** Starts delivering on the system clock, without meters. */
    public AlertDispatcher start() {
        return start(null);
    }

    /** Starts delivering on the system clock, counting into {@code registry} when it is not null. */
    public AlertDispatcher start(MeterRegistry registry) {
        return new AlertDispatcher(this, registry, TaskClock.system(), true);
    }

    /**
     * Starts delivering with windows and retries timed by {@code clock} (a test's virtual clock), which the caller
     * keeps and closes.
     */
    public AlertDispatcher start(MeterRegistry registry, TaskClock clock) {
        return new AlertDispatcher(this, registry, Objects.requireNonNull(clock, "clock"), false);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Alerts a && channels.equals(a.channels) && rateLimit.equals(a.rateLimit)
                && attempts == a.attempts && firstRetry.equals(a.firstRetry) && maxRetry.equals(a.maxRetry);
    }

    @Override
    public int hashCode() {
        return Objects.hash(channels, rateLimit, attempts, firstRetry, maxRetry);
    }

    @Override
    public String toString() {
        return "Alerts" + channels + ", rate limit " + rateLimit + ", " + attempts + " attempts";
    }

    /** Builds {@link Alerts}; each setter checks its value at once. */
    public static final class Builder {
        private final List<AlertChannel> channels = new ArrayList<>();
        private Duration rateLimit = DEFAULT_RATE_LIMIT;
        private int attempts = DEFAULT_ATTEMPTS;
        private Duration firstRetry = DEFAULT_FIRST_RETRY;
        private Duration maxRetry = DEFAULT_MAX_RETRY;

        private Builder() {
        }

        /** Adds an email channel. */
        public Builder email(Email email) {
            return channel(email);
        }

        /** Adds a syslog channel. */
        public Builder syslog(Syslog syslog) {
            return channel(syslog);
        }

        /** Adds a webhook. */
        public Builder webhook(Webhook webhook) {
            return channel(webhook);
        }

        /** Adds a notify script. */
        public Builder notifyScript(NotifyScript script) {
            return channel(script);
        }

        /** Adds a channel of any type. */
        public Builder channel(AlertChannel channel) {
            channels.add(Objects.requireNonNull(channel, "channel"));
            return this;
        }

        /** The rate-limit window per key (default {@link #DEFAULT_RATE_LIMIT}); zero turns the limit off. */
        public Builder rateLimit(Duration window) {
            if (window == null || window.isNegative()) {
                throw new IllegalArgumentException("alerts.rateLimit: " + window + " (expected: a duration of 0 or"
                        + " more, such as 5m)");
            }
            this.rateLimit = window;
            return this;
        }

        /**
         * The retry policy: {@code attempts} in all (1 means no retry), the first retry after {@code first}, doubling
         * up to {@code max}.
         */
        public Builder retry(int attempts, Duration first, Duration max) {
            if (attempts < 1 || attempts > 100) {
                throw new IllegalArgumentException("alerts.retry.attempts: " + attempts + " (expected: 1-100)");
            }
            if (first == null || first.isNegative() || first.isZero()) {
                throw new IllegalArgumentException("alerts.retry.first: " + first + " (expected: a positive"
                        + " duration)");
            }
            if (max == null || max.compareTo(first) < 0) {
                throw new IllegalArgumentException("alerts.retry.max: " + max + " (expected: at least the first"
                        + " retry's " + first + ")");
            }
            this.attempts = attempts;
            this.firstRetry = first;
            this.maxRetry = max;
            return this;
        }

        /**
         * The spec.
         *
         * @throws IllegalStateException without any channel
         */
        public Alerts build() {
            if (channels.isEmpty()) {
                throw new IllegalStateException("alerts: no channel (expected: at least one of email, syslog,"
                        + " webhook, notifyScript)");
            }
            return new Alerts(this);
        }
    }
}
