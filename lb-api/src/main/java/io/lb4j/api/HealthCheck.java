package io.lb4j.api;

import io.lb4j.api.check.AgentProbe;
import io.lb4j.api.check.CheckPorts;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.api.check.NoProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.internal.Checks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a virtual service decides whether a real server is up: a {@link Probe} run every {@link #interval()} against
 * the {@link #ports()} of each real server, each attempt bounded by {@link #timeout()}. A server goes down after
 * {@link #failAfter()} consecutive failed attempts and comes back up after {@link #riseAfter()} consecutive good
 * ones. Immutable.
 *
 * <p>The appliance guide's automatic failover is
 * {@code HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30)).failAfter(10)}: ten failures in a
 * row, 30 s apart, fail the primary over. Its manual failover is {@link #none()}.
 *
 * <p>Defaults: interval 10 s, timeout 5 s (never more than the interval), failAfter 3, riseAfter 2, no jitter,
 * first attempts spread over the interval, all ports of the service.
 */
public final class HealthCheck {

    /** Interval when none is given. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    /** Attempt timeout when none is given (capped at the interval). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private final Probe probe;
    private final CheckPorts ports;
    private final Duration interval;
    private final Duration timeout;
    private final Duration jitter;
    private final int failAfter;
    private final int riseAfter;
    private final boolean spread;

    private HealthCheck(Builder b) {
        this.probe = b.probe;
        this.ports = b.ports;
        this.interval = Checks.positive("healthCheck.interval", b.interval);
        this.timeout = Checks.positive("healthCheck.timeout",
                b.timeout != null ? b.timeout : min(DEFAULT_TIMEOUT, interval));
        this.jitter = Checks.notNegative("healthCheck.jitter", b.jitter);
        this.failAfter = Checks.inRange("healthCheck.failAfter", b.failAfter, 1, 1000);
        this.riseAfter = Checks.inRange("healthCheck.riseAfter", b.riseAfter, 1, 1000);
        this.spread = b.spread;
        if (timeout.compareTo(interval) > 0) {
            throw Checks.invalid("healthCheck.timeout", timeout, "<= interval " + interval);
        }
        if (jitter.compareTo(interval) >= 0) {
            throw Checks.invalid("healthCheck.jitter", jitter, "< interval " + interval);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A TCP connect check; by default on every port of the service. */
    public static Builder connect() {
        return new Builder(ConnectProbe.INSTANCE);
    }

    /** No check: real servers are always up and failover is manual ({@code halt}). */
    public static Builder none() {
        return new Builder(NoProbe.INSTANCE);
    }

    /** {@code GET /} over plain HTTP, passing on any 2xx or 3xx status; see {@link HttpProbe}. */
    public static Builder http() {
        return http(HttpProbe.get("/"));
    }

    /**
     * The given request over plain HTTP, e.g. {@code HealthCheck.http(HttpProbe.get("/health").expectStatus(200))}.
     * A probe built with TLS is sent without it.
     */
    public static Builder http(HttpProbe request) {
        return new Builder(Objects.requireNonNull(request, "request").tls(false));
    }

    /** {@code GET /} over TLS with certificate verification, passing on any 2xx or 3xx status; see {@link HttpProbe}. */
    public static Builder https() {
        return https(HttpProbe.get("/"));
    }

    /**
     * The given request over TLS, e.g. {@code HealthCheck.https(HttpProbe.get("/").tls(true).insecure(true))} for a
     * self-signed server (TLS is switched on here in any case; {@code insecure} needs it set first).
     */
    public static Builder https(HttpProbe request) {
        return new Builder(Objects.requireNonNull(request, "request").tls(true));
    }

    /**
     * A DICOM C-ECHO with the default AE titles (calling {@code LB4J}, called {@code ANY-SCP}); see
     * {@link DicomEchoProbe}. Like every check it probes all ports unless told otherwise: use {@code .ports(104)}.
     */
    public static Builder dicomEcho() {
        return new Builder(DicomEchoProbe.defaults());
    }

    /** A DICOM C-ECHO with the given AE titles, e.g. {@code dicomEcho(DicomEchoProbe.of("LB4J", "PACS"))}. */
    public static Builder dicomEcho(DicomEchoProbe titles) {
        return new Builder(Objects.requireNonNull(titles, "titles"));
    }

    /**
     * A DICOM C-FIND at study level with the default AE titles, passing on a final status Success; see
     * {@link DicomFindProbe}. Use {@code .ports(104)} as for {@link #dicomEcho()}.
     */
    public static Builder dicomFind() {
        return new Builder(DicomFindProbe.defaults());
    }

    /**
     * The given C-FIND, e.g. {@code dicomFind(DicomFindProbe.of("LB4J", "PACS").study("1.2.3"))} for a study that
     * must be found.
     */
    public static Builder dicomFind(DicomFindProbe query) {
        return new Builder(Objects.requireNonNull(query, "query"));
    }

    /** An HL7 MLLP message (a {@code QRY^A19} query by default) that must be acknowledged; see {@link Hl7Probe}. */
    public static Builder hl7() {
        return new Builder(Hl7Probe.defaults());
    }

    /** The given HL7 message, e.g. {@code hl7(Hl7Probe.template("MSH|^~\\&|...."))}. */
    public static Builder hl7(Hl7Probe message) {
        return new Builder(Objects.requireNonNull(message, "message"));
    }

    /** Send {@code send} (may be empty), expect a reply containing {@code expectRegex}; see {@link NegotiateProbe}. */
    public static Builder negotiate(String send, String expectRegex) {
        return new Builder(NegotiateProbe.of(send, expectRegex));
    }

    /**
     * A feedback agent on {@code port} of each real server (HAProxy's agent-check protocol; the Loadbalancer.org
     * agent listens on {@value AgentProbe#LOADBALANCER_ORG_PORT}): its replies set the server's effective weight, and
     * only its {@code down} takes the server down. See {@link AgentProbe}.
     */
    public static Builder agent(int port) {
        return new Builder(AgentProbe.of(port));
    }

    /** The given agent probe, e.g. {@code agent(AgentProbe.of(3333).withSend("pacs\n"))}. */
    public static Builder agent(AgentProbe agent) {
        return new Builder(Objects.requireNonNull(agent, "agent"));
    }

    /** Runs {@code script} with the ldirectord arguments; exit 0 = healthy. See {@link ExternalProbe}. */
    public static Builder external(Path script) {
        return new Builder(ExternalProbe.of(script));
    }

    /** Runs the given script probe, e.g. with a check source address. */
    public static Builder external(ExternalProbe script) {
        return new Builder(Objects.requireNonNull(script, "script"));
    }

    /**
     * Several probes, each on its own ports, all required; the builder's ports are the ones "other ports" covers.
     * See {@link CompositeProbe}.
     */
    public static Builder allOf(CompositeProbe probes) {
        return new Builder(Objects.requireNonNull(probes, "probes"));
    }

    /** A check that runs the given probe; a {@link io.lb4j.api.spi.HealthCheckStrategy} must support it. */
    public static Builder of(Probe probe) {
        return new Builder(Objects.requireNonNull(probe, "probe"));
    }

    /**
     * A builder that starts from this check's values. A timeout equal to the default for its interval stays a
     * default, so {@code toBuilder().interval(Duration.ofSeconds(2))} caps it rather than failing on a 5 s timeout
     * the user never chose.
     */
    public Builder toBuilder() {
        Builder b = new Builder(probe);
        b.ports = ports;
        b.interval = interval;
        b.timeout = timeout.equals(min(DEFAULT_TIMEOUT, interval)) ? null : timeout;
        b.jitter = jitter;
        b.failAfter = failAfter;
        b.riseAfter = riseAfter;
        b.spread = spread;
        return b;
    }

    /** What one attempt does. */
    public Probe probe() {
        return probe;
    }

    /** Whether this is {@link #none()}: servers are never checked and never go down by themselves. */
    public boolean isNone() {
        return probe instanceof NoProbe;
    }

    /** Which ports each attempt probes. */
    public CheckPorts ports() {
        return ports;
    }

    /** Time between the starts of two attempts on the same server, before jitter. */
    public Duration interval() {
        return interval;
    }

    /** How long one attempt may take before it counts as failed. Never more than the interval. */
    public Duration timeout() {
        return timeout;
    }

    /** Up to this much is added to each interval, so many targets do not fire in the same instant. */
    public Duration jitter() {
        return jitter;
    }

    /** Consecutive failed attempts that take an up server down. */
    public int failAfter() {
        return failAfter;
    }

    /** Consecutive good attempts that bring a down server up. */
    public int riseAfter() {
        return riseAfter;
    }

    /**
     * Whether the first attempts of the servers started together are spread evenly over the interval (the
     * default) rather than all made at once; see {@link Builder#spread(boolean)}.
     */
    public boolean spread() {
        return spread;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HealthCheck h && probe.equals(h.probe) && ports.equals(h.ports)
                && interval.equals(h.interval) && timeout.equals(h.timeout) && jitter.equals(h.jitter)
                && failAfter == h.failAfter && riseAfter == h.riseAfter && spread == h.spread;
    }

    @Override
    public int hashCode() {
        return Objects.hash(probe, ports, interval, timeout, jitter, failAfter, riseAfter, spread);
    }

    @Override
    public String toString() {
        return isNone() ? "HealthCheck[none]" : "HealthCheck[" + probe.type() + " ports=" + (ports.allPorts() ? "all" : ports.ports())
                + " interval=" + interval + " timeout=" + timeout + " failAfter=" + failAfter + " riseAfter=" + riseAfter + "]";
    }

    /** Fluent builder; values are checked in {@link #build()}. Not thread-safe. */
    public static final class Builder {
        private final Probe probe;
        private CheckPorts ports = CheckPorts.all();
        private Duration interval = DEFAULT_INTERVAL;
        private Duration timeout;
        private Duration jitter = Duration.ZERO;
        private int failAfter = 3;
        private int riseAfter = 2;
        private boolean spread = true;

        Builder(Probe probe) {
            this.probe = probe;
        }

        /** Probe every port of the service (the default). */
        public Builder allPorts() {
            this.ports = CheckPorts.all();
            return this;
        }

        /** Probe exactly these ports; each 1-65535, at least one, no duplicates. */
        public Builder ports(int... ports) {
            this.ports = CheckPorts.of(ports);
            return this;
        }

        /** Time between attempts; must be positive. Default 10 s. */
        public Builder interval(Duration interval) {
            this.interval = interval;
            return this;
        }

        /** Time one attempt may take; positive and at most the interval. Default 5 s or the interval if less. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Random extra delay per interval, in {@code [0, jitter)}; less than the interval. Default none. */
        public Builder jitter(Duration jitter) {
            this.jitter = jitter;
            return this;
        }

        /** Consecutive failures that take a server down, 1-1000. Default 3. */
        public Builder failAfter(int failAfter) {
            this.failAfter = failAfter;
            return this;
        }

        /** Consecutive successes that bring a server back up, 1-1000. Default 2. */
        public Builder riseAfter(int riseAfter) {
            this.riseAfter = riseAfter;
            return this;
        }

        /**
         * Whether first attempts are spread over the interval; default {@code true} (HAProxy's start-up spreading,
         * keepalived's {@code warmup}). The balancer numbers the monitors it starts together (at start: every
         * checked real server of every service; at a reconfigure: those it adds) and makes the {@code k}-th of
         * {@code n} first attempt {@code k/n} of its interval after the start, so 1,000 servers checked every second
         * start one a millisecond instead of 1,000 in the same instant (the first of them at once). {@code false}
         * makes every first attempt at once (a failover test that counts from t = 0 may want that). {@link
         * #jitter(Duration)} adds its random delay on top either way.
         */
        public Builder spread(boolean spread) {
            this.spread = spread;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the field, value and allowed range of the first bad value
         * @throws NullPointerException     naming a missing duration
         */
        public HealthCheck build() {
            return new HealthCheck(this);
        }
    }
}
