package io.lb4j.admin;

import java.util.Locale;
import java.util.Objects;

/**
 * What a logged-in user may do. Each {@link AdminUser} has one; an {@link Authenticator} gives one with each
 * {@link AdminPrincipal}.
 */
public enum AdminRole {

    /** Everything: status, Halt / Drain / Online, the configuration, events, the audit log and the metrics. */
    OPERATOR,

    /**
     * Read-only, for a Prometheus scraper: {@code GET /metrics} (HTTP Basic or a session), and of the API only what
     * every user may do (health, login, logout, session). Anything else answers 403; a metrics user can never Halt.
     */
    METRICS;

    /** The name in the appliance file's {@code admin.users[].role}: {@code operator} or {@code metrics}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The role with this {@linkplain #configName() name}.
     *
     * @throws IllegalArgumentException {@code role: "admin" (expected: operator or metrics)}
     */
    public static AdminRole of(String name) {
        Objects.requireNonNull(name, "name");
        for (AdminRole r : values()) {
            if (r.configName().equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("role: \"" + name + "\" (expected: operator or metrics)");
    }
}
