package io.lb4j.healthcheck.net;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Locale;

/**
 * Turns what went wrong on a check connection into the short reason an operator reads in the status page, e.g.
 * {@code "connection refused"} or {@code "timed out after 5s"}. Not part of the public API.
 */
public final class Reasons {

    private Reasons() {
    }

    /** {@code 5s}, {@code 1.5s}, {@code 250ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms % 1000 == 0) {
            return (ms / 1000) + "s";
        }
        return String.format(Locale.ROOT, "%.1fs", ms / 1000.0).replace(".0s", "s");
    }

    /**
     * The message of what really went wrong, unwrapped from the future and codec exceptions around it; the class
     * name when the exception has no message. For failures that are not connection errors.
     */
    public static String message(Throwable error) {
        Throwable t = unwrap(error);
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof DecoderException || t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** A reason for a failed connect or I/O error; {@code timeout} is what was allowed for the connect. */
    public static String describe(Throwable cause, Duration timeout) {
        Throwable t = unwrap(cause);
        String msg = t.getMessage() == null ? "" : t.getMessage();
        String lower = msg.toLowerCase(Locale.ROOT);
        if (t instanceof ConnectTimeoutException) {
            return "timed out after " + format(timeout);
        }
        if (t instanceof NoRouteToHostException || lower.contains("no route to host")) {
            return "no route to host";
        }
        if (lower.contains("network is unreachable")) {
            return "network unreachable";
        }
        if (t instanceof ConnectException || lower.contains("connection refused")) {
            return lower.contains("refused") ? "connection refused" : "connect failed: " + msg;
        }
        if (lower.contains("connection reset")) {
            return "connection reset by peer";
        }
        if (t instanceof UnknownHostException) {
            return "unknown host: " + msg;
        }
        if (t instanceof SSLException) {
            return "TLS handshake failed: " + rootMessage(t);
        }
        if (t instanceof ClosedChannelException) {
            return "connection closed";
        }
        if (t instanceof IOException) {
            return "I/O error: " + msg;
        }
        return t.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg);
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r.getMessage() != null ? r.getMessage() : r.getClass().getSimpleName();
    }

    /** At most {@code max} characters of {@code text} with control characters shown as escapes, for reasons. */
    public static String preview(CharSequence text, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length() && b.length() < max; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (b.length() >= max && text.length() > max) {
            b.setLength(max);
            b.append("...");
        }
        return b.toString();
    }
}
