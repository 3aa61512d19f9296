package io.lb4j.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lb4j.api.RealServerState;
import io.lb4j.api.status.BalancerStatus;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.api.status.ServiceStatus;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The System Overview's charts: a sample of every service's connections every {@code interval} (5 s by default),
 * the last {@code capacity} of them (an hour), in a ring, so memory is bounded by the number of services times
 * {@code capacity} whatever the uptime. Per service and sample: connections open (real servers and fallback); since
 * the sample before, bytes per second forwarded to and from its real servers (the throughput), new connections per
 * second, and the mean time of the health-check attempts that finished (its real servers' {@code checkTime} over
 * {@code checkAttempts}); and how many of its real servers were up. The clock is injected so tests take samples at
 * chosen instants. Thread-safe.
 */
final class ChartSamples {

    /** One service at one instant. */
    private record Point(int connections, long totalConnections, long bytes, long checkAttempts, long checkNanos,
                         int serversUp, int servers) {
    }

    /** One sampling instant. */
    private record Sample(long atMillis, Map<String, Point> services) {
    }

    private final Supplier<BalancerStatus> status;
    private final Clock clock;
    private final Duration interval;
    private final int capacity;
    private final Deque<Sample> samples = new ArrayDeque<>();

    /**
     * @param status   reads the balancer's status
     * @param interval how often {@link #sample()} is meant to run, for the JSON's readers
     * @param capacity how many samples to keep, at least 2
     */
    ChartSamples(Supplier<BalancerStatus> status, Clock clock, Duration interval, int capacity) {
        this.status = Objects.requireNonNull(status, "status");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (capacity < 2) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: at least 2)");
        }
        this.capacity = capacity;
    }

    /** Takes a sample now, dropping the oldest beyond the capacity. Never throws: a sample that fails is skipped. */
    void sample() {
        BalancerStatus s;
        try {
            s = status.get();
        } catch (RuntimeException e) {
            return; // a balancer stopping under the timer: the chart shows a gap
        }
        Map<String, Point> points = new LinkedHashMap<>();
        for (ServiceStatus svc : s.services()) {
            int open = svc.fallbackActiveConnections();
            long total = 0;
            long bytes = 0;
            long checks = 0;
            long checkNanos = 0;
            int up = 0;
            for (RealServerStatus r : svc.realServers()) {
                open += r.activeConnections();
                total += r.totalConnections();
                bytes += r.bytesToServer() + r.bytesToClient();
                checks += r.checkAttempts();
                checkNanos += r.checkTime().toNanos();
                if (r.state() == RealServerState.UP) {
                    up++;
                }
            }
            points.put(svc.label(), new Point(open, total, bytes, checks, checkNanos, up, svc.realServers().size()));
        }
        // In the status's order (Map.copyOf would not keep it): the charts list services as the table does.
        Sample sample = new Sample(clock.millis(), Collections.unmodifiableMap(points));
        synchronized (samples) {
            samples.addLast(sample);
            while (samples.size() > capacity) {
                samples.removeFirst();
            }
        }
    }

    /**
     * The samples as columns, the shape uPlot draws: {@code {"intervalSeconds": 5, "throughput": "bytes/s",
     * "at": [epoch seconds...], "services": [{"label": "PACS", "connections": [...], "bytesPerSecond": [...],
     * "connectionsPerSecond": [...], "checkMillis": [...], "serversUp": [...], "servers": 2}]}}. A value is null
     * where the service did not exist; a rate or mean is null at its first sample, where a counter went back (the
     * service was replaced) and, for {@code checkMillis}, where no attempt finished in between.
     */
    ObjectNode json() {
        List<Sample> copy;
        synchronized (samples) {
            copy = List.copyOf(samples);
        }
        ObjectNode n = Json.object().put("intervalSeconds", interval.toMillis() / 1000.0)
                .put("throughput", "bytes/s");
        ArrayNode at = n.putArray("at");
        Set<String> labels = new LinkedHashSet<>();
        for (Sample s : copy) {
            // Whole seconds as integers: 1796551205, not 1.796551205E9.
            if (s.atMillis() % 1000 == 0) {
                at.add(s.atMillis() / 1000);
            } else {
                at.add(s.atMillis() / 1000.0);
            }
            labels.addAll(s.services().keySet());
        }
        ArrayNode services = n.putArray("services");
        for (String label : labels) {
            ObjectNode svc = services.addObject().put("label", label);
            ArrayNode open = svc.putArray("connections");
            ArrayNode bytes = svc.putArray("bytesPerSecond");
            ArrayNode rate = svc.putArray("connectionsPerSecond");
            ArrayNode check = svc.putArray("checkMillis");
            ArrayNode up = svc.putArray("serversUp");
            Point before = null;
            long beforeAt = 0;
            int servers = 0;
            for (Sample s : copy) {
                Point p = s.services().get(label);
                if (p == null) {
                    open.addNull();
                    bytes.addNull();
                    rate.addNull();
                    check.addNull();
                    up.addNull();
                } else {
                    open.add(p.connections());
                    up.add(p.serversUp());
                    servers = p.servers();
                    long ms = s.atMillis() - beforeAt;
                    if (before == null || ms <= 0 || p.totalConnections() < before.totalConnections()
                            || p.bytes() < before.bytes() || p.checkAttempts() < before.checkAttempts()) {
                        bytes.addNull();
                        rate.addNull();
                        check.addNull();
                    } else {
                        bytes.add(Math.round((p.bytes() - before.bytes()) * 1000.0 / ms));
                        rate.add(Math.round((p.totalConnections() - before.totalConnections()) * 100_000.0 / ms)
                                / 100.0);
                        long attempts = p.checkAttempts() - before.checkAttempts();
                        if (attempts == 0) {
                            check.addNull();
                        } else {
                            check.add(Math.round((p.checkNanos() - before.checkNanos()) / 10_000.0 / attempts)
                                    / 100.0);
                        }
                    }
                }
                before = p;
                beforeAt = s.atMillis();
            }
            svc.put("servers", servers);
        }
        return n;
    }
}
