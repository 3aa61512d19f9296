package io.lb4j.admin;

import java.time.Instant;
import java.util.Objects;

/**
 * One alert channel's delivery record as {@code GET /api/alerts} shows it. lb-admin does not depend on lb-alerts:
 * the embedder that runs the alerts copies each channel's status into this record and hands the server a supplier of
 * them ({@link AdminServer.Builder#alertStatus}). Immutable; the counts are checked.
 *
 * @param channel     the channel's type: {@code email}, {@code syslog}, {@code webhook}, {@code script}
 * @param target      where it delivers, without credentials ({@code smtp.example.org:587})
 * @param sent        alerts and summaries delivered
 * @param failed      deliveries given up
 * @param suppressed  alerts the rate limit folded into a summary
 * @param pending     deliveries waiting (queued, or for their next attempt)
 * @param lastSent    when a delivery last succeeded, or null
 * @param lastFailure when an attempt last failed, or null
 * @param lastError   why, or null once a delivery succeeded again
 */
public record AlertDelivery(String channel, String target, long sent, long failed, long suppressed, int pending,
                            Instant lastSent, Instant lastFailure, String lastError) {

    /** Checks the names and that no count is negative. */
    public AlertDelivery {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(target, "target");
        if (sent < 0 || failed < 0 || suppressed < 0 || pending < 0) {
            throw new IllegalArgumentException("alert delivery counts: sent " + sent + ", failed " + failed
                    + ", suppressed " + suppressed + ", pending " + pending + " (expected: 0 or more)");
        }
    }
}
