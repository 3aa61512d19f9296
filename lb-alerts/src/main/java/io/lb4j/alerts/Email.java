package io.lb4j.alerts;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Alerts by email over SMTP (Jakarta Mail, Eclipse Angus): STARTTLS is required unless turned off explicitly (a
 * server that does not offer it gets no mail: the alert fails, visibly), the server's certificate is checked against
 * the JDK's trusted roots or the given certificates and its host name, and the login is SMTP AUTH (PLAIN or LOGIN,
 * as the server offers). Immutable; {@link #toString()} never shows the password.
 */
public final class Email implements AlertChannel {

    /** How long connecting, and each read and write, may take by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final String host;
    private final int port;
    private final boolean startTls;
    private final Optional<String> username;
    private final char[] password;
    private final String from;
    private final List<String> to;
    private final Optional<Path> trustedCertificates;
    private final Duration timeout;

    private Email(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.startTls = b.startTls;
        this.username = Optional.ofNullable(b.username);
        this.password = b.password == null ? new char[0] : b.password.clone();
        this.from = b.from;
        this.to = List.copyOf(b.to);
        this.trustedCertificates = Optional.ofNullable(b.trustedCertificates);
        this.timeout = b.timeout;
    }

    /** A builder for mail through {@code host}'s submission port {@code port} (587 with STARTTLS, usually). */
    public static Builder server(String host, int port) {
        return new Builder(host, port);
    }

    @Override
    public String type() {
        return "email";
    }

    @Override
    public String target() {
        return host + ":" + port;
    }

    /** The SMTP server's host name or address. */
    public String host() {
        return host;
    }

    /** The SMTP server's port. */
    public int port() {
        return port;
    }

    /** Whether the connection must be upgraded with STARTTLS before anything else is said (default true). */
    public boolean startTls() {
        return startTls;
    }

    /** The SMTP AUTH user name, or empty to send without logging in. */
    public Optional<String> username() {
        return username;
    }

    /** A copy of the password; overwrite it when done. */
    public char[] password() {
        return password.clone();
    }

    /** The envelope sender and {@code From:}. */
    public String from() {
        return from;
    }

    /** The recipients, at least one. */
    public List<String> to() {
        return to;
    }

    /** PEM certificates to trust instead of the JDK's roots (a hospital's own CA), or empty. */
    public Optional<Path> trustedCertificates() {
        return trustedCertificates;
    }

    /** The connect, read and write timeout. */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Email e && host.equals(e.host) && port == e.port && startTls == e.startTls
                && username.equals(e.username) && Arrays.equals(password, e.password) && from.equals(e.from)
                && to.equals(e.to) && trustedCertificates.equals(e.trustedCertificates) && timeout.equals(e.timeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, startTls, username, from, to, trustedCertificates, timeout);
    }

    @Override
    public String toString() {
        return "Email[" + target() + (startTls ? " STARTTLS" : " plain") + username.map(u -> " as " + u).orElse("")
                + ", from " + from + " to " + String.join(", ", to) + "]";
    }

    /** Builds an {@link Email}; each setter checks its value at once. */
    public static final class Builder {
        private final String host;
        private final int port;
        private boolean startTls = true;
        private String username;
        private char[] password;
        private String from;
        private final List<String> to = new ArrayList<>();
        private Path trustedCertificates;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder(String host, int port) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("email.server: \"" + host + "\" (expected: the SMTP server's host"
                        + " name or address)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("email.port: " + port + " (expected: 1-65535, usually 587)");
            }
            this.host = host;
            this.port = port;
        }

        /**
         * Whether STARTTLS is required (default true). Off sends the password and the alerts in clear text: only
         * for a relay on the same host.
         */
        public Builder startTls(boolean required) {
            this.startTls = required;
            return this;
        }

        /** Logs in with SMTP AUTH; the password is copied. */
        public Builder login(String username, char[] password) {
            if (username == null || username.isBlank()) {
                throw new IllegalArgumentException("email.username: \"" + username + "\" (expected: the SMTP user"
                        + " name)");
            }
            Objects.requireNonNull(password, "password");
            this.username = username;
            this.password = password.clone();
            return this;
        }

        /** The sender's address, e.g. {@code lb4j@pacs.example.org}. */
        public Builder from(String address) {
            this.from = address(address, "email.from");
            return this;
        }

        /** Adds recipients. */
        public Builder to(String... addresses) {
            for (String a : addresses) {
                to.add(address(a, "email.to"));
            }
            return this;
        }

        /** Trusts the PEM certificates in {@code file} instead of the JDK's roots. */
        public Builder trustedCertificates(Path file) {
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("email.trustedCertificates: " + file + " (expected: a readable"
                        + " PEM file of CA certificates)");
            }
            this.trustedCertificates = file;
            return this;
        }

        /** The connect, read and write timeout (default {@link #DEFAULT_TIMEOUT}). */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("email.timeout: " + timeout + " (expected: a positive duration)");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * The channel.
         *
         * @throws IllegalStateException without {@code from} or any recipient
         */
        public Email build() {
            if (from == null) {
                throw new IllegalStateException("email.from: missing (expected: the sender's address)");
            }
            if (to.isEmpty()) {
                throw new IllegalStateException("email.to: missing (expected: at least one recipient)");
            }
            return new Email(this);
        }

        private static String address(String text, String setting) {
            try {
                InternetAddress a = new InternetAddress(text, true);
                if (a.getAddress().indexOf('@') < 1) {
                    throw new AddressException("no domain");
                }
                return a.getAddress();
            } catch (AddressException | NullPointerException e) {
                throw new IllegalArgumentException(setting + ": \"" + text + "\" (expected: an email address such as"
                        + " pacs-admins@example.org)");
            }
        }
    }
}
