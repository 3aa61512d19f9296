package io.lb4j.alerts;

import java.net.URI;
import java.time.Duration;

/**
 * Alerts as a JSON POST to a URL (a chat system's incoming webhook, a ticketing system): one object per alert with
 * {@code at}, {@code kind}, {@code name}, {@code state}, {@code severity}, {@code message}, {@code count} (how many
 * alerts a rate-limit summary stands for, 1 otherwise), {@code host} and {@code summary}. Any 2xx answer is a
 * delivery; anything else, or no answer within the timeout, is retried. HTTPS checks the server's certificate against
 * the JDK's roots. Immutable.
 *
 * @param url     an http or https URL
 * @param timeout how long the whole request may take
 */
public record Webhook(URI url, Duration timeout) implements AlertChannel {

    /** The request timeout by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** Checks the URL and the timeout. */
    public Webhook {
        if (url == null || url.getScheme() == null || !(url.getScheme().equals("http")
                || url.getScheme().equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException("webhook.url: " + url + " (expected: an http or https URL such as"
                    + " https://chat.example.org/hooks/lb4j)");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("webhook.timeout: " + timeout + " (expected: a positive duration)");
        }
    }

    /** To {@code url} with the {@link #DEFAULT_TIMEOUT}. */
    public static Webhook to(URI url) {
        return new Webhook(url, DEFAULT_TIMEOUT);
    }

    @Override
    public String type() {
        return "webhook";
    }

    @Override
    public String target() {
        // The path may hold the hook's token: status and logs show where, not the credential.
        return url.getScheme() + "://" + url.getAuthority();
    }
}
