package io.lb4j.snmp;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.event.Subscription;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Serves a {@link LoadBalancer} over SNMP as an AgentX subagent (RFC 2741) of net-snmp's {@code snmpd}, the way
 * keepalived does: {@code snmpd} answers SNMPv2c and SNMPv3 on port 161 and forwards requests under
 * {@code LB4J-MIB} ({@code 1.3.6.1.4.1.32473.4}) to this agent, which answers from the balancer's
 * {@link LoadBalancer#status() status} at that moment; the balancer's failover, fail-back and real server down / up
 * events, and the VRRP transitions {@link #vrrpState reported} to it, go out as notifications to {@code snmpd}'s trap
 * destinations.
 *
 * {@snippet lang=java :
 * // snmpd.conf: "master agentx" and "agentXSocket /var/agentx/master"
 * try (SnmpAgent agent = SnmpAgent.builder().agentx("/var/agentx/master").build().start(balancer)) {
 *     agent.vrrpState(VrrpRole.MASTER); // what a pair node reports on each VRRP transition
 *     // ... the balancer runs; snmpd answers walks of LB4J-MIB and sends the notifications
 * }
 * }
 * (SnmpAgentNetSnmpTest#theJavadocExampleServesTheBalancer runs it.)
 *
 * <p>{@link #start} starts one daemon thread that owns the AgentX connection: it reconnects with exponential backoff
 * (from {@link Builder#reconnectBackoff 100 ms to 10 s} by default) whenever {@code snmpd} is not there or restarts,
 * so the agent may start before {@code snmpd} does. Notifications raised while no session is open wait in a bounded
 * queue (the oldest dropped first, counted in {@link Stats#notificationsDropped()}). Malformed PDUs from the master are
 * counted ({@link Stats#malformedPdus()}) and dropped. {@link #close()} closes the session (snmpd drops the
 * registration at once), ends the thread and unsubscribes from the balancer; it does not stop the balancer.
 * Thread-safe.
 */
public final class SnmpAgent implements AutoCloseable {

    /**
     * What the agent has done since it started; a snapshot.
     *
     * @param connected            whether an AgentX session with the master is open now
     * @param sessions             how many sessions were opened (1 + reconnects that succeeded)
     * @param requests             Get, GetNext and GetBulk requests answered
     * @param malformedPdus        PDUs from the master that broke the encoding, counted and dropped
     * @param notificationsSent    notifications handed to the master
     * @param notificationsDropped notifications dropped because the queue filled while no session was open
     */
    public record Stats(boolean connected, long sessions, long requests, long malformedPdus, long notificationsSent,
                        long notificationsDropped) {
    }

    private final AgentxAddress address;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration responseTimeout;
    private final Duration pingInterval;
    private final AtomicReference<VrrpRole> vrrp = new AtomicReference<>(VrrpRole.STANDALONE);
    private AgentxSession session;
    private Thread thread;
    private Subscription subscription;
    private boolean closed;

    private SnmpAgent(Builder b) {
        this.address = b.address;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.responseTimeout = b.responseTimeout;
        this.pingInterval = b.pingInterval;
    }

    /** A builder; every setting has a default, so {@code builder().build()} talks to {@code /var/agentx/master}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts serving {@code balancer}: subscribes to its events and starts the AgentX thread, which connects to the
     * master in the background (this call does not wait for it; see {@link #stats()}).
     *
     * @return this agent, for try-with-resources
     * @throws IllegalStateException when already started or closed
     */
    public synchronized SnmpAgent start(LoadBalancer balancer) {
        Objects.requireNonNull(balancer, "balancer");
        if (closed) {
            throw new IllegalStateException("SNMP agent closed (expected: a new agent for a new start)");
        }
        if (session != null) {
            throw new IllegalStateException("SNMP agent already started (expected: start() once)");
        }
        AgentxSession s = new AgentxSession(address, balancer::status, vrrp::get, minBackoff, maxBackoff,
                responseTimeout, pingInterval);
        subscription = balancer.events().subscribe(event -> Lb4jMib.notification(event).ifPresent(s::offer));
        session = s;
        thread = Thread.ofPlatform().daemon().name("lb4j-snmp-agentx").start(s);
        return this;
    }

    /**
     * Reports this node's VRRP state (the appliance calls it on each transition of its pair): served as
     * {@code lb4jNodeVrrpState}, and a change sends {@code lb4jVrrpStateChange}. Until the first report the state is
     * {@link VrrpRole#STANDALONE}. Reporting the current state again sends nothing. Thread-safe.
     */
    public void vrrpState(VrrpRole state) {
        Objects.requireNonNull(state, "state");
        VrrpRole previous = vrrp.getAndSet(state);
        AgentxSession s;
        synchronized (this) {
            s = session;
        }
        if (previous != state && s != null) {
            s.offer(Lb4jMib.vrrpNotification(previous, state));
        }
    }

    /** The VRRP state last {@linkplain #vrrpState reported}. */
    public VrrpRole vrrpState() {
        return vrrp.get();
    }

    /** The master agent's address this agent connects to, as configured (e.g. {@code /var/agentx/master}). */
    public String agentx() {
        return address.text();
    }

    /** What the agent has done so far; all zero before {@link #start}. */
    public synchronized Stats stats() {
        AgentxSession s = session;
        if (s == null) {
            return new Stats(false, 0, 0, 0, 0, 0);
        }
        return new Stats(s.isReady(), s.sessions.get(), s.requests.get(), s.malformed.get(), s.notificationsSent.get(),
                s.notificationsDropped.get());
    }

    /** Closes the session, ends the thread (waiting up to 5 s for it) and unsubscribes. Idempotent. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (subscription != null) {
                subscription.close();
            }
            if (session != null) {
                session.stop();
            }
            t = thread;
        }
        if (t != null) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "SnmpAgent[agentx " + address + ", " + stats() + "]";
    }

    /**
     * Settings of an {@link SnmpAgent}; each may be set once. Not thread-safe.
     */
    public static final class Builder {
        private AgentxAddress address = AgentxAddress.parse(AgentxAddress.DEFAULT);
        private boolean addressSet;
        private Duration minBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private boolean backoffSet;
        private Duration responseTimeout = Duration.ofSeconds(5);
        private Duration pingInterval = Duration.ofSeconds(15);
        private boolean pingSet;

        private Builder() {
        }

        /**
         * The master agent's AgentX socket, as {@code snmpd.conf}'s {@code agentXSocket} names it: a Unix socket path
         * ({@code /var/agentx/master}, also written {@code unix:/var/agentx/master}) or {@code tcp:host:port}
         * ({@code tcp:localhost:705}). Default {@code /var/agentx/master}, net-snmp's default.
         *
         * @throws IllegalArgumentException when it is neither form, or the port is not 1-65535
         * @throws IllegalStateException    when already set
         */
        public Builder agentx(String socket) {
            Objects.requireNonNull(socket, "socket");
            if (addressSet) {
                throw new IllegalStateException("agentx was already set to " + address);
            }
            address = AgentxAddress.parse(socket);
            addressSet = true;
            return this;
        }

        /**
         * How long to wait before reconnecting to a master that is gone: {@code min} after the first failure,
         * doubling up to {@code max}. Default 100 ms to 10 s.
         *
         * @throws IllegalArgumentException when {@code min} is not positive or {@code max} is below {@code min}
         * @throws IllegalStateException    when already set
         */
        public Builder reconnectBackoff(Duration min, Duration max) {
            Objects.requireNonNull(min, "min");
            Objects.requireNonNull(max, "max");
            if (backoffSet) {
                throw new IllegalStateException("reconnectBackoff was already set to " + minBackoff + " - "
                        + maxBackoff);
            }
            if (min.isNegative() || min.isZero()) {
                throw new IllegalArgumentException("reconnectBackoff min: " + min + " (expected: > 0)");
            }
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("reconnectBackoff max: " + max + " (expected: >= min " + min + ")");
            }
            minBackoff = min;
            maxBackoff = max;
            backoffSet = true;
            return this;
        }

        /**
         * How often an idle session pings the master to find out it is gone (a TCP master that vanished without a
         * reset); a ping unanswered for 5 s ends the connection. Default 15 s.
         *
         * @throws IllegalArgumentException when not positive
         * @throws IllegalStateException    when already set
         */
        public Builder pingInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (pingSet) {
                throw new IllegalStateException("pingInterval was already set to " + pingInterval);
            }
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("pingInterval: " + interval + " (expected: > 0)");
            }
            pingInterval = interval;
            pingSet = true;
            return this;
        }

        /** The agent; nothing runs until {@link SnmpAgent#start}. */
        public SnmpAgent build() {
            return new SnmpAgent(this);
        }
    }
}
