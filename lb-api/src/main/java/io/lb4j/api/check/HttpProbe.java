package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.IntStream;

/**
 * An HTTP or HTTPS request; passes when the status is one of {@link #expectedStatus()} and, if a body pattern is
 * set, the body contains a match for it.
 *
 * <p>Built by deriving from a starting request, each step returning a new value:
 * {@code HttpProbe.get("/health").expectStatus(200).bodyMatches("\"status\":\"UP\"")}. Defaults: no Host header
 * override (the real server's address and port are sent), any 2xx or 3xx status, no body pattern, plain HTTP
 * (use {@code HealthCheck.https(..)} or {@link #tls(boolean)}), certificates verified.
 *
 * <p>With TLS the server's certificate chain must be trusted by the JVM's default trust store and its name must
 * match the Host header's host (or the real server's address when there is none). {@link #insecure(boolean)}
 * skips both checks: an explicit opt-in for servers with self-signed certificates, since a check that trusts
 * anything cannot tell the real server from an impostor.
 *
 * @param tls            whether the request goes over TLS
 * @param method         the request method, e.g. {@code GET}
 * @param path           the request target, starting with {@code /}
 * @param host           the Host header (and TLS server name); empty to use the real server's address
 * @param expectedStatus the statuses that pass, each 100-599
 * @param bodyPattern    a regular expression the body (its first 64 KiB) must contain; empty for none
 * @param insecure       whether TLS certificate and host-name verification is skipped
 */
public record HttpProbe(boolean tls, String method, String path, Optional<String> host, Set<Integer> expectedStatus,
                        Optional<String> bodyPattern, boolean insecure) implements Probe {

    private static final Set<Integer> SUCCESS_OR_REDIRECT = IntStream.range(200, 400).boxed().collect(
            java.util.stream.Collectors.toUnmodifiableSet());

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the first bad field, its value and what is allowed
     * @throws NullPointerException     naming a missing field
     */
    public HttpProbe {
        Objects.requireNonNull(method, "http.method");
        Objects.requireNonNull(path, "http.path");
        Objects.requireNonNull(host, "http.host");
        Objects.requireNonNull(bodyPattern, "http.bodyPattern");
        expectedStatus = Set.copyOf(Objects.requireNonNull(expectedStatus, "http.expectedStatus"));
        if (!method.matches("[A-Z]{1,20}")) {
            throw Checks.invalid("http.method", "\"" + method + "\"", "an upper-case method name such as GET or HEAD");
        }
        if (!path.startsWith("/") || !path.matches("\\p{Graph}+")) {
            throw Checks.invalid("http.path", "\"" + path + "\"", "a path starting with / and without spaces or control characters");
        }
        host.ifPresent(h -> {
            if (!h.matches("[\\p{Graph}&&[^/@]]+")) {
                throw Checks.invalid("http.host", "\"" + h + "\"", "host or host:port without spaces, / or @");
            }
        });
        if (expectedStatus.isEmpty()) {
            throw Checks.invalid("http.expectedStatus", "[]", "at least one status");
        }
        for (int s : expectedStatus) {
            Checks.inRange("http.expectedStatus", s, 100, 599);
        }
        bodyPattern.ifPresent(p -> {
            if (p.isEmpty()) {
                throw Checks.invalid("http.bodyPattern", "\"\"", "a non-empty regular expression, or none");
            }
            try {
                Pattern.compile(p);
            } catch (PatternSyntaxException e) {
                throw Checks.invalid("http.bodyPattern", "\"" + p + "\"", "a valid regular expression: " + e.getDescription());
            }
        });
        if (method.equals("HEAD") && bodyPattern.isPresent()) {
            throw Checks.invalid("http.bodyPattern", "\"" + bodyPattern.get() + "\"", "none for HEAD, which has no body");
        }
        if (insecure && !tls) {
            throw Checks.invalid("http.insecure", true, "only with TLS (https)");
        }
    }

    /** {@code GET path}, any 2xx or 3xx status. */
    public static HttpProbe get(String path) {
        return request("GET", path);
    }

    /** {@code HEAD path}, any 2xx or 3xx status. */
    public static HttpProbe head(String path) {
        return request("HEAD", path);
    }

    /** {@code method path}, any 2xx or 3xx status. */
    public static HttpProbe request(String method, String path) {
        return new HttpProbe(false, method, path, Optional.empty(), SUCCESS_OR_REDIRECT, Optional.empty(), false);
    }

    /** This probe passing only on these statuses. */
    public HttpProbe expectStatus(int... statuses) {
        return new HttpProbe(tls, method, path, host, IntStream.of(statuses).boxed()
                .collect(java.util.stream.Collectors.toSet()), bodyPattern, insecure);
    }

    /** This probe sending {@code host} as the Host header and TLS server name. */
    public HttpProbe host(String host) {
        return new HttpProbe(tls, method, path, Optional.of(Objects.requireNonNull(host, "http.host")), expectedStatus,
                bodyPattern, insecure);
    }

    /** This probe requiring the body to contain a match for {@code regex}. */
    public HttpProbe bodyMatches(String regex) {
        return new HttpProbe(tls, method, path, host, expectedStatus,
                Optional.of(Objects.requireNonNull(regex, "http.bodyPattern")), insecure);
    }

    /** This probe over TLS or not; {@code this} when unchanged. Turning TLS off also turns {@code insecure} off. */
    public HttpProbe tls(boolean tls) {
        return tls == this.tls ? this : new HttpProbe(tls, method, path, host, expectedStatus, bodyPattern, insecure && tls);
    }

    /** This probe with TLS verification skipped ({@code true}) or done; {@code this} when unchanged. Needs TLS. */
    public HttpProbe insecure(boolean insecure) {
        return insecure == this.insecure ? this : new HttpProbe(tls, method, path, host, expectedStatus, bodyPattern, insecure);
    }

    @Override
    public String type() {
        return tls ? "https" : "http";
    }

    @Override
    public String toString() {
        return "HttpProbe[" + type() + " " + method + " " + path + host.map(h -> " host=" + h).orElse("")
                + " expect=" + new TreeSet<>(expectedStatus) + bodyPattern.map(p -> " body~/" + p + "/").orElse("")
                + (insecure ? " insecure" : "") + "]";
    }
}
