package io.lb4j.api;

import io.lb4j.api.internal.Checks;

import java.time.Duration;
import java.util.Objects;

/**
 * TCP keepalive for both sockets of a proxied connection (the client's and the backend's): after {@code idle} without
 * a segment the kernel sends a probe, then one every {@code interval}; after {@code count} unanswered probes it
 * declares the peer dead and the engine closes the connection. Probes carry no payload, so they do not count as
 * activity for a service's idle timeouts.
 *
 * <p>The default ({@link #defaults()}: on, 60 s, 15 s, 4 probes) finds a peer that vanished without a FIN (power
 * loss, a pulled cable, a firewall that dropped the flow) within about two minutes, and keeps the connection's
 * entry alive in firewalls and NAT devices that forget idle TCP flows after a few minutes, which DICOM associations
 * and HL7 links idle for routinely. The kernel defaults (Linux: 2 h, 75 s, 9) are far too slow for either.
 *
 * <p>Idle and interval are whole seconds, as the kernel takes them. The proxy engine sets {@code SO_KEEPALIVE} and the
 * three values through the transport it runs on (epoll or io_uring options, or the JDK's
 * {@code jdk.net.ExtendedSocketOptions} on NIO); where the platform offers no way to set them, the OS's own timers
 * apply and the engine says so once in its log. The client's socket inherits them from the listening socket. The
 * backend's socket gets them within a tenth of {@code idle} after it connected, not at once: a connection that ends
 * sooner never needs them, and Linux counts the idle time from the last segment received, not from when the timer
 * was set, so a connection that lasts sees its first probe exactly as if they had been set at connect.
 *
 * @param enabled  whether to probe at all; when {@code false} the other values are the defaults' and mean nothing
 * @param idle     silence before the first probe, 1 s-32767 s in whole seconds
 * @param interval time between probes, 1 s-32767 s in whole seconds
 * @param count    unanswered probes before the peer is declared dead, 1-127
 */
public record TcpKeepAlive(boolean enabled, Duration idle, Duration interval, int count) {

    /** The kernel's upper bound for {@code TCP_KEEPIDLE} and {@code TCP_KEEPINTVL}, in seconds (Linux). */
    public static final int MAX_SECONDS = 32767;
    /** The kernel's upper bound for {@code TCP_KEEPCNT} (Linux). */
    public static final int MAX_COUNT = 127;

    private static final TcpKeepAlive DEFAULTS = new TcpKeepAlive(true, Duration.ofSeconds(60),
            Duration.ofSeconds(15), 4);
    private static final TcpKeepAlive OFF = new TcpKeepAlive(false, DEFAULTS.idle, DEFAULTS.interval, DEFAULTS.count);

    /**
     * Checks the values; a disabled one is normalised to the defaults' values, so that every disabled keepalive is
     * equal to {@link #off()} (and writes and reads back the same).
     *
     * @throws IllegalArgumentException naming {@code tcpKeepAlive.idle}, {@code .interval} or {@code .count}, the
     *                                  value and the allowed range
     */
    public TcpKeepAlive {
        Objects.requireNonNull(idle, "tcpKeepAlive.idle");
        Objects.requireNonNull(interval, "tcpKeepAlive.interval");
        if (!enabled) {
            idle = Duration.ofSeconds(60);
            interval = Duration.ofSeconds(15);
            count = 4;
        }
        seconds("tcpKeepAlive.idle", idle);
        seconds("tcpKeepAlive.interval", interval);
        Checks.inRange("tcpKeepAlive.count", count, 1, MAX_COUNT);
    }

    /** On: 60 s idle, 15 s between probes, 4 probes (a dead peer is found about 2 minutes after it went silent). */
    public static TcpKeepAlive defaults() {
        return DEFAULTS;
    }

    /** Off: no probes; a peer that vanishes is found only by the idle timeouts. */
    public static TcpKeepAlive off() {
        return OFF;
    }

    /**
     * On, with these timers.
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public static TcpKeepAlive of(Duration idle, Duration interval, int count) {
        return new TcpKeepAlive(true, idle, interval, count);
    }

    /** {@link #idle()} in seconds, as the kernel takes it. */
    public int idleSeconds() {
        return (int) idle.toSeconds();
    }

    /** {@link #interval()} in seconds, as the kernel takes it. */
    public int intervalSeconds() {
        return (int) interval.toSeconds();
    }

    private static void seconds(String field, Duration value) {
        if (value.getNano() != 0 || value.getSeconds() < 1 || value.getSeconds() > MAX_SECONDS) {
            throw Checks.invalid(field, value, "whole seconds, 1 s-" + MAX_SECONDS + " s");
        }
    }
}
