package io.lb4j.alerts.internal;

import io.lb4j.alerts.Alert;

import java.time.Duration;
import java.util.List;

/**
 * What a channel delivers: one alert, or a rate-limit summary of several of one key.
 *
 * @param alert  the alert, or for a summary the last one held with the summary's message and worst severity
 * @param count  how many alerts it stands for (1 for a plain alert)
 * @param states for a summary, the states in order; empty otherwise
 * @param window for a summary, the window it covers
 */
public record Notice(Alert alert, int count, List<String> states, Duration window) {

    public Notice {
        states = List.copyOf(states);
    }

    /** A single alert. */
    public static Notice of(Alert alert) {
        return new Notice(alert, 1, List.of(), Duration.ZERO);
    }

    public boolean summary() {
        return count > 1 || !states.isEmpty();
    }

    /** The email's subject, the syslog message's start: {@code [lb4j WARNING] REAL_SERVER PACS/Primary DOWN}. */
    public String subject(String host) {
        return "[lb4j " + alert.severity() + "] " + alert.kind() + " " + alert.name() + " " + alert.state()
                + (summary() ? " (summary of " + AlertText.alerts(count) + ")" : "") + " on " + host;
    }
}
