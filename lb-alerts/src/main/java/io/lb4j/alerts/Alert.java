package io.lb4j.alerts;

import java.time.Instant;
import java.util.Objects;

/**
 * One thing an operator should hear about: a service failing over or back, a real server going down or up or being
 * halted by an operator, a node of a clustered pair changing its VRRP state. A neutral value, so that whoever owns
 * the source builds it: {@link AlertDispatcher} makes them from a balancer's events, the appliance from its pair's
 * VRRP transitions ({@code new Alert(at, Kind.INSTANCE, "VRRP_51", "MASTER", Severity.CRITICAL, "...")}).
 *
 * <p>{@code kind}, {@code name} and {@code state} are what a keepalived-style notify script gets as {@code $1},
 * {@code $2} and {@code $3}; {@code kind} and {@code name} together are the key under which alerts are rate-limited
 * (a flapping real server is one key). Immutable.
 *
 * @param at       when it happened
 * @param kind     what it is about
 * @param name     which one: a service label, {@code SERVICE/REAL_SERVER} labels, or the VRRP instance's name
 * @param state    the state it is in now, in upper case: {@code DOWN}, {@code UP}, {@code FAILED_OVER},
 *                 {@code MASTER}...
 * @param severity how bad it is (the syslog severity, and the email's subject)
 * @param message  one sentence for people: what happened, why, and where
 */
public record Alert(Instant at, Kind kind, String name, String state, Severity severity, String message) {

    /** What an alert is about; {@code $1} of a notify script. */
    public enum Kind {
        /** A virtual service: failed over to its fallback, or back. */
        SERVICE,
        /** One real server of a service: down, up, halted, draining, online. */
        REAL_SERVER,
        /** A VRRP instance of a clustered pair: MASTER, BACKUP, FAULT (keepalived's {@code INSTANCE}). */
        INSTANCE
    }

    /** How bad it is, with its RFC 5424 severity. */
    public enum Severity {
        /** Clients are affected now: a failover, a node that lost mastership to a fault. */
        CRITICAL(2),
        /** Capacity is lost: a real server down. */
        WARNING(4),
        /** Back to normal, or a planned change: a real server up, a fail-back, a new master. */
        NOTICE(5),
        /** For the record: an operator halted, drained or brought back a real server. */
        INFO(6);

        private final int syslog;

        Severity(int syslog) {
            this.syslog = syslog;
        }

        /** The RFC 5424 severity code (0 emergency ... 7 debug). */
        public int syslogCode() {
            return syslog;
        }
    }

    /** Checks that every field is given and the texts are not blank. */
    public Alert {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name: \"" + name + "\" (expected: the service, real server or VRRP"
                    + " instance the alert is about)");
        }
        if (state == null || state.isBlank() || !state.equals(state.strip()) || state.contains(" ")) {
            throw new IllegalArgumentException("state: \"" + state + "\" (expected: one word such as DOWN or"
                    + " MASTER)");
        }
    }
}
