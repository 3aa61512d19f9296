package io.lb4j.admin;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.RealServerState;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.Draining;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.Halted;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.Online;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.event.RealServerUp;
import io.lb4j.api.event.Reconfigured;
import io.lb4j.api.event.Subscription;
import io.lb4j.api.status.BalancerStatus;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.api.status.ServiceCounters;
import io.lb4j.api.status.ServiceStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for a balancer. Gauges (connections, state, weight, last check, fallback) and function counters
 * (connections opened, bytes, check attempts) read a status snapshot cached for {@value #SNAPSHOT_MILLIS} ms, so one
 * scrape of many meters costs one {@code status()} call; counters (transitions, failovers, fail-backs, health-check
 * verdicts) count events. Meters of servers that {@code reconfigure} removes are removed; new servers get meters.
 * Thread-safe.
 *
 * <p>Names follow Micrometer's conventions (lower-case words separated by dots; Prometheus renders dots as
 * underscores and adds {@code _total} to counters, {@code _seconds_count/_sum} to timers); real-server meters carry
 * the tags {@code service} and {@code real.server}: {@code lb4j.real.server.connections.active},
 * {@code lb4j.real.server.connections} (total opened = new flows), {@code lb4j.real.server.bytes} (tag
 * {@code direction} = in (to the server) / out (back to clients)), {@code lb4j.real.server.weight},
 * {@code lb4j.real.server.weight.effective}, {@code lb4j.real.server.state} (1 for the current {@code state} tag,
 * else 0), {@code lb4j.real.server.check.healthy} (last attempt: 1 ok, 0 failed, NaN before any),
 * {@code lb4j.health.check.duration} (a function timer of every attempt: count and total time, tag {@code check} =
 * the probe type: connect, http, dicomEcho, ...), {@code lb4j.service.fallback.active},
 * {@code lb4j.service.fallback.connections.active}, {@code lb4j.transitions} (tag {@code event}),
 * {@code lb4j.health.check.verdicts} (tag {@code result} = down/up), {@code lb4j.failovers}, {@code lb4j.failbacks}.
 * For proxy services, function counters of what their timeouts and caps did ({@link ServiceCounters}, read from the
 * same snapshot): {@code lb4j.proxy.idle.expired} (TCP; tag {@code side} = client/server),
 * {@code lb4j.proxy.refused} (tag {@code reason} = noBackend, and maxConnections for TCP) and
 * {@code lb4j.proxy.udp.sessions.evicted} (UDP). Engine-wide and pair meters are not here: the appliance binds
 * them ({@code io.lb4j.appliance.metrics}), since this module depends on neither engine nor pair.
 */
final class AdminMetrics implements AutoCloseable {

    private static final long SNAPSHOT_MILLIS = 250;

    private final LoadBalancer balancer;
    private final MeterRegistry registry;
    private final Set<Meter.Id> gauges = new HashSet<>();
    private final Subscription subscription;
    private record Snapshot(BalancerStatus status, long takenNanos) {
    }

    // No lock around status(): a scrape must never wait on the balancer while an event listener waits on us.
    private volatile Snapshot snapshot;

    AdminMetrics(LoadBalancer balancer, MeterRegistry registry) {
        this.balancer = balancer;
        this.registry = registry;
        registerGauges();
        this.subscription = balancer.events().subscribe(this::count);
    }

    private BalancerStatus status() {
        Snapshot s = snapshot;
        long now = System.nanoTime();
        if (s == null || now - s.takenNanos() > SNAPSHOT_MILLIS * 1_000_000) {
            s = new Snapshot(balancer.status(), now);
            snapshot = s;
        }
        return s.status();
    }

    private void invalidate() {
        snapshot = null;
    }

    /** Registers gauges for every current server and removes those of servers that are gone. */
    private synchronized void registerGauges() {
        invalidate();
        Set<Meter.Id> wanted = new HashSet<>();
        // Each service's probe type, the check tag of its servers' duration timers (e.g. PACS -> dicomEcho).
        Map<String, String> checks = new HashMap<>();
        for (VirtualService v : balancer.services()) {
            checks.put(v.label(), v.healthCheck().probe().type());
        }
        for (ServiceStatus s : status().services()) {
            String svc = s.label();
            Tags st = Tags.of("service", svc);
            wanted.add(gauge("lb4j.service.fallback.active", st, "1 while new connections go to the fallback",
                    m -> service(svc) == null ? Double.NaN : service(svc).onFallback() ? 1 : 0));
            wanted.add(gauge("lb4j.service.fallback.connections.active", st, "connections open to the fallback",
                    m -> service(svc) == null ? Double.NaN : service(svc).fallbackActiveConnections()));
            if (s.method() == ForwardingMethod.PROXY) {
                proxyCounters(s, st, wanted);
            }
            for (RealServerStatus r : s.realServers()) {
                String real = r.label();
                Tags rt = Tags.of("service", svc, "real.server", real);
                wanted.add(gauge("lb4j.real.server.connections.active", rt, "connections open now",
                        m -> real(svc, real, x -> x.activeConnections())));
                wanted.add(gauge("lb4j.real.server.weight", rt, "configured weight",
                        m -> real(svc, real, x -> x.weight())));
                wanted.add(gauge("lb4j.real.server.weight.effective", rt,
                        "weight new connections are balanced by (a feedback agent's or dynamic script's report)",
                        m -> real(svc, real, x -> x.effectiveWeight())));
                wanted.add(gauge("lb4j.real.server.check.healthy", rt, "last health-check attempt: 1 ok, 0 failed",
                        m -> real(svc, real, x -> x.lastCheck().isEmpty() ? Double.NaN
                                : x.lastCheck().equals("ok") ? 1 : 0)));
                for (RealServerState state : RealServerState.values()) {
                    wanted.add(gauge("lb4j.real.server.state", rt.and("state", state.name()),
                            "1 for the server's current state, else 0",
                            m -> real(svc, real, x -> x.state() == state ? 1 : 0)));
                }
                wanted.add(counter("lb4j.real.server.connections", rt, "connections opened to the server (new flows)",
                        m -> real(svc, real, x -> x.totalConnections())));
                String bytes = "bytes forwarded to the server (in) and from it back to clients (out); proxy engine:"
                        + " TCP/UDP payload, packet engine: IP packets; out is 0 for direct routing and tunnel, whose"
                        + " replies bypass the balancer";
                wanted.add(bytesCounter(rt.and("direction", "in"), bytes,
                        m -> real(svc, real, x -> x.bytesToServer())));
                wanted.add(bytesCounter(rt.and("direction", "out"), bytes,
                        m -> real(svc, real, x -> x.bytesToClient())));
                wanted.add(checkTimer(rt.and("check", checks.getOrDefault(svc, "none")),
                        m -> real(svc, real, x -> x.checkAttempts()),
                        m -> real(svc, real, x -> x.checkTime().toNanos())));
            }
        }
        for (Meter.Id id : gauges) {
            if (!wanted.contains(id)) {
                registry.remove(id);
            }
        }
        gauges.clear();
        gauges.addAll(wanted);
    }

    /** The counters of what a proxy service's timeouts and caps did: those that apply to its protocol. */
    private void proxyCounters(ServiceStatus s, Tags st, Set<Meter.Id> wanted) {
        String svc = s.label();
        String refused = "connections closed, or new UDP clients' datagrams dropped, by the proxy engine: no backend"
                + " could take them (noBackend), the service held maxConnections (maxConnections)";
        wanted.add(counter("lb4j.proxy.refused", st.and("reason", "noBackend"), refused,
                m -> counters(svc, ServiceCounters::refusedNoBackend)));
        if (s.protocol() == Protocol.TCP) {
            wanted.add(counter("lb4j.proxy.refused", st.and("reason", "maxConnections"), refused,
                    m -> counters(svc, ServiceCounters::refusedAtCap)));
            String idle = "connections closed because this side was idle for its timeout";
            wanted.add(counter("lb4j.proxy.idle.expired", st.and("side", "client"), idle,
                    m -> counters(svc, ServiceCounters::clientIdleExpired)));
            wanted.add(counter("lb4j.proxy.idle.expired", st.and("side", "server"), idle,
                    m -> counters(svc, ServiceCounters::serverIdleExpired)));
        } else {
            wanted.add(counter("lb4j.proxy.udp.sessions.evicted", st, "UDP sessions closed to make room for a new"
                    + " client under maxUdpSessions", m -> counters(svc, ServiceCounters::udpSessionsEvicted)));
        }
    }

    private double counters(String svc, ToDoubleFunction<ServiceCounters> f) {
        ServiceStatus s = service(svc);
        return s == null ? Double.NaN : f.applyAsDouble(s.counters());
    }

    private Meter.Id counter(String name, Tags tags, String description, ToDoubleFunction<AdminMetrics> f) {
        Meter.Id id = registered(name, tags);
        return id != null ? id : FunctionCounter.builder(name, this, f).tags(tags).description(description)
                .register(registry)
                .getId();
    }

    private Meter.Id bytesCounter(Tags tags, String description, ToDoubleFunction<AdminMetrics> f) {
        Meter.Id id = registered("lb4j.real.server.bytes", tags);
        return id != null ? id : FunctionCounter.builder("lb4j.real.server.bytes", this, f).tags(tags)
                .baseUnit("bytes").description(description).register(registry).getId();
    }

    private Meter.Id checkTimer(Tags tags, ToDoubleFunction<AdminMetrics> count, ToDoubleFunction<AdminMetrics> nanos) {
        Meter.Id id = registered("lb4j.health.check.duration", tags);
        return id != null ? id : FunctionTimer.builder("lb4j.health.check.duration", this,
                        m -> (long) count.applyAsDouble(m), nanos, TimeUnit.NANOSECONDS)
                .tags(tags).description("health-check attempts of the server (count) and the time they took (sum),"
                        + " by probe type (check)").register(registry).getId();
    }

    /** The id of a meter this class registered with these name and tags, or null. */
    private Meter.Id registered(String name, Tags tags) {
        for (Meter.Id id : gauges) {
            if (id.getName().equals(name) && Tags.of(id.getTags()).equals(tags)) {
                return id;
            }
        }
        return null;
    }

    private Meter.Id gauge(String name, Tags tags, String description, ToDoubleFunction<AdminMetrics> f) {
        Meter.Id id = registered(name, tags); // registering again would only make Micrometer warn
        if (id != null) {
            return id;
        }
        // `this` is the gauge's strongly held object: the server keeps the metrics alive as long as it runs.
        return Gauge.builder(name, this, f).tags(tags).description(description).register(registry).getId();
    }

    private ServiceStatus service(String label) {
        return status().services().stream().filter(s -> s.label().equals(label)).findFirst().orElse(null);
    }

    private double real(String svc, String real, ToDoubleFunction<RealServerStatus> f) {
        ServiceStatus s = service(svc);
        if (s == null) {
            return Double.NaN;
        }
        return s.realServers().stream().filter(r -> r.label().equals(real)).findFirst().map(f::applyAsDouble)
                .orElse(Double.NaN);
    }

    private void count(LbEvent e) {
        invalidate();
        switch (e) {
            case Halted h -> transition(h.service(), h.realServer(), "halted");
            case Draining d -> transition(d.service(), d.realServer(), "draining");
            case Online o -> transition(o.service(), o.realServer(), "online");
            case RealServerDown d -> {
                transition(d.service(), d.realServer(), "down");
                verdict(d.service(), d.realServer(), "down");
            }
            case RealServerUp u -> {
                transition(u.service(), u.realServer(), "up");
                verdict(u.service(), u.realServer(), "up");
            }
            case FailedOver f -> Counter.builder("lb4j.failovers").tag("service", f.service())
                    .description("times the service moved new connections to its fallback").register(registry)
                    .increment();
            case FailedBack f -> Counter.builder("lb4j.failbacks").tag("service", f.service())
                    .description("times the service moved new connections back to its real servers")
                    .register(registry).increment();
            // Off the balancer's thread: it may still be inside reconfigure, and status() should see the result.
            case Reconfigured r -> Thread.ofVirtual().name("lb4j-admin-metrics").start(this::registerGauges);
        }
    }

    private void transition(String svc, String real, String event) {
        Counter.builder("lb4j.transitions").tags("service", svc, "real.server", real, "event", event)
                .description("real-server state changes").register(registry).increment();
    }

    private void verdict(String svc, String real, String result) {
        Counter.builder("lb4j.health.check.verdicts").tags("service", svc, "real.server", real, "result", result)
                .description("health-check verdicts that changed a server's state (failAfter/riseAfter reached)")
                .register(registry).increment();
    }

    /** Which meter names exist; for the docs test. */
    static List<String> names() {
        return List.of("lb4j.real.server.connections.active", "lb4j.real.server.connections",
                "lb4j.real.server.bytes", "lb4j.real.server.weight", "lb4j.real.server.weight.effective",
                "lb4j.real.server.state", "lb4j.real.server.check.healthy", "lb4j.health.check.duration",
                "lb4j.service.fallback.active", "lb4j.service.fallback.connections.active", "lb4j.transitions",
                "lb4j.health.check.verdicts", "lb4j.failovers", "lb4j.failbacks", "lb4j.proxy.idle.expired",
                "lb4j.proxy.refused", "lb4j.proxy.udp.sessions.evicted");
    }

    @Override
    public synchronized void close() {
        subscription.close();
        gauges.forEach(registry::remove);
        gauges.clear();
    }
}
