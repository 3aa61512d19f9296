package io.lb4j.alerts;

import java.time.Instant;
import java.util.Optional;

/**
 * One channel's delivery record, for operators ({@code GET /api/alerts}) and tests. A snapshot; immutable.
 *
 * @param channel     the channel's type: {@code email}, {@code syslog}, {@code webhook}, {@code script}
 * @param target      where it delivers ({@link AlertChannel#target()})
 * @param sent        alerts and summaries delivered
 * @param failed      deliveries given up after the last attempt (or refused by a full queue)
 * @param suppressed  alerts held by the rate limit and folded into a summary
 * @param pending     deliveries waiting: queued, or waiting for their next attempt
 * @param lastSent    when the last delivery succeeded
 * @param lastFailure when an attempt last failed
 * @param lastError   why it failed; stays until the next success
 */
public record ChannelStatus(String channel, String target, long sent, long failed, long suppressed, int pending,
                            Optional<Instant> lastSent, Optional<Instant> lastFailure, Optional<String> lastError) {
}
