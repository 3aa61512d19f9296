package io.lb4j.engine.director;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.OnDown;
import io.lb4j.api.RealServer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.CheckTarget;
import io.lb4j.api.check.WeightReport;
import io.lb4j.api.event.Draining;
import io.lb4j.api.event.EventStream;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.Halted;
import io.lb4j.api.event.Online;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.event.RealServerUp;
import io.lb4j.api.event.Reconfigured;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.CheckContext;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.api.spi.HealthCheckStrategy;
import io.lb4j.api.spi.LoadBalancerConfig;
import io.lb4j.api.spi.Network;
import io.lb4j.api.spi.PersistenceTable;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.api.status.BalancerStatus;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.api.status.ServiceStatus;
import io.lb4j.engine.proxy.ProxyEngine;
import io.lb4j.healthcheck.HealthMonitor;
import io.lb4j.healthcheck.net.CheckTransport;
import io.lb4j.healthcheck.Strategies;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * The control plane: turns specs, health results, operator commands and time into routing-table snapshots and
 * events. Every mutation happens under one lock; engines read the snapshots without it.
 */
final class Director implements LoadBalancer {

    private final ForwardingEngine engine;
    private final TaskClock clock;
    private final boolean ownsClock;
    private final Network configuredNetwork;
    private Network network; // resolved on first use: a balancer with no checks needs none
    private final Strategies strategies;
    private final EventBus events = new EventBus();
    private final SplittableRandom random = new SplittableRandom();
    private final Map<String, ServiceRuntime> services = new LinkedHashMap<>();
    private final CheckContext checkContext;
    private boolean running;
    private boolean stopped;

    Director(LoadBalancerConfig config) {
        this.engine = config.engine() != null ? config.engine() : ProxyEngine.create();
        this.ownsClock = config.clock() == null;
        // Default: a clock on the health-check event loop, so checks start, time out and connect on one thread.
        this.clock = ownsClock ? CheckTransport.shared().newClock() : config.clock();
        this.configuredNetwork = config.network();
        this.strategies = Strategies.discover(config.strategies());
        this.checkContext = new CheckContext() {
            @Override
            public TaskClock clock() {
                return clock;
            }

            @Override
            public Network network() {
                synchronized (Director.this) {
                    if (network == null) {
                        network = configuredNetwork != null ? configuredNetwork : Networks.system();
                    }
                    return network;
                }
            }

            @Override
            public List<Path> scriptDirectories() {
                return config.scriptDirectories();
            }
        };
        for (VirtualService s : config.services()) {
            validate(s);
        }
        Instant now = clock.now();
        for (VirtualService s : config.services()) {
            services.put(s.label(), newRuntime(s, now));
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public synchronized void start() {
        if (running) {
            throw new IllegalStateException("load balancer already started");
        }
        if (stopped) {
            throw new IllegalStateException("load balancer was stopped; build a new one to start again");
        }
        engine.start(() -> clock);
        List<String> installed = new ArrayList<>();
        try {
            for (ServiceRuntime s : services.values()) {
                engine.install(s.table);
                installed.add(s.spec.label());
            }
        } catch (RuntimeException e) {
            installed.forEach(engine::uninstall);
            engine.stop(Duration.ZERO);
            throw e;
        }
        running = true;
        startMonitors(services.values());
    }

    @Override
    public synchronized void stop(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (!running) {
            stopped = true;
            closeOwnClock();
            return;
        }
        running = false;
        stopped = true;
        for (ServiceRuntime s : services.values()) {
            stopMonitors(s);
            s.cancelTimers();
        }
        try {
            engine.stop(grace);
        } finally {
            closeOwnClock();
        }
    }

    private void closeOwnClock() {
        if (ownsClock && clock instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the balancer's clock", e);
            }
        }
    }

    // ---------------------------------------------------------------- operator commands

    @Override
    public synchronized void halt(String service, String realServer) {
        ServiceRuntime s = service(service);
        RealServerRuntime rt = s.real(realServer);
        if (rt.admin == RealServerRuntime.Admin.HALTED) {
            return;
        }
        Instant now = clock.now(); // one instant for the command and everything it causes
        rt.admin = RealServerRuntime.Admin.HALTED;
        if (s.persistence != null) {
            s.persistence.expire(realServer);
        }
        events.publish(new Halted(now, service, realServer));
        refresh(s, realServer + " halted", now);
        if (running) {
            engine.expire(service, rt.backend);
        }
    }

    @Override
    public synchronized void drain(String service, String realServer) {
        ServiceRuntime s = service(service);
        RealServerRuntime rt = s.real(realServer);
        if (rt.admin == RealServerRuntime.Admin.DRAINING) {
            return;
        }
        Instant now = clock.now();
        rt.admin = RealServerRuntime.Admin.DRAINING;
        events.publish(new Draining(now, service, realServer));
        refresh(s, realServer + " draining", now);
    }

    @Override
    public synchronized void online(String service, String realServer) {
        ServiceRuntime s = service(service);
        RealServerRuntime rt = s.real(realServer);
        boolean releases = s.onFallback && s.spec.failback().mode() == FailbackPolicy.Mode.MANUAL && !s.failbackReleased;
        if (rt.admin == RealServerRuntime.Admin.NONE && !releases) {
            return;
        }
        Instant now = clock.now();
        boolean wasAble = rt.able();
        rt.admin = RealServerRuntime.Admin.NONE;
        if (!wasAble && rt.able()) {
            rt.ableSince = now;
        }
        s.failbackReleased = true;
        events.publish(new Online(now, service, realServer));
        refresh(s, realServer + " online", now);
    }

    // ---------------------------------------------------------------- queries

    @Override
    public synchronized BalancerStatus status() {
        List<ServiceStatus> list = new ArrayList<>();
        for (ServiceRuntime s : services.values()) {
            List<RealServerStatus> reals = new ArrayList<>();
            for (RealServerRuntime rt : s.reals.values()) {
                RealServer r = rt.spec;
                reals.add(new RealServerStatus(r.label(), r.address(), r.port(), r.weight(), rt.state(),
                        rt.backend.activeConnections(), rt.backend.totalConnections(), rt.lastCheck,
                        rt.eligible ? rt.effectiveWeight : rt.reportedWeight(), rt.backend.bytesToServer(),
                        rt.backend.bytesToClient(), rt.checkAttempts, Duration.ofNanos(rt.checkNanos),
                        rt.lastCheckPorts));
            }
            VirtualService v = s.spec;
            list.add(new ServiceStatus(v.label(), v.address(), v.ports(), v.protocol(), v.method(), s.onFallback, reals,
                    s.fallback == null ? null : s.fallback.address(),
                    s.fallback == null ? 0 : s.fallback.activeConnections(), engine.counters(v.label())));
        }
        return new BalancerStatus(clock.now(), running, list);
    }

    @Override
    public EventStream events() {
        return events;
    }

    @Override
    public synchronized List<VirtualService> services() {
        return services.values().stream().map(s -> s.spec).toList();
    }

    // ---------------------------------------------------------------- reconfigure

    @Override
    public synchronized void reconfigure(Collection<VirtualService> newServices) {
        Objects.requireNonNull(newServices, "services");
        LoadBalancer.Builder.validateServices(newServices);
        newServices.forEach(this::validate);
        if (stopped) {
            throw new IllegalStateException("load balancer was stopped");
        }
        Instant now = clock.now();
        Map<String, VirtualService> wanted = new LinkedHashMap<>();
        newServices.forEach(s -> wanted.put(s.label(), s));

        // Bind what needs new listeners first, so a bind failure changes nothing.
        Map<String, ServiceRuntime> fresh = new LinkedHashMap<>();
        List<String> bound = new ArrayList<>();
        if (running) {
            try {
                for (VirtualService v : wanted.values()) {
                    if (!services.containsKey(v.label())) {
                        ServiceRuntime s = newRuntime(v, now);
                        engine.install(s.table);
                        bound.add(v.label());
                        fresh.put(v.label(), s);
                    }
                }
            } catch (RuntimeException e) {
                bound.forEach(engine::uninstall);
                throw e;
            }
        }

        for (ServiceRuntime old : List.copyOf(services.values())) {
            if (!wanted.containsKey(old.spec.label())) {
                stopMonitors(old);
                old.cancelTimers();
                if (running) {
                    engine.uninstall(old.spec.label());
                }
                services.remove(old.spec.label());
                events.publish(new Reconfigured(now, old.spec.label(), "removed"));
            }
        }

        Map<String, ServiceRuntime> next = new LinkedHashMap<>();
        for (VirtualService v : wanted.values()) {
            ServiceRuntime old = services.get(v.label());
            if (old == null) {
                ServiceRuntime s = fresh.containsKey(v.label()) ? fresh.get(v.label()) : newRuntime(v, now);
                next.put(v.label(), s);
                if (running) {
                    startMonitors(List.of(s));
                }
                events.publish(new Reconfigured(now, v.label(), "added"));
            } else if (old.spec.equals(v)) {
                next.put(v.label(), old);
            } else {
                next.put(v.label(), change(old, v, now));
                events.publish(new Reconfigured(now, v.label(), "changed"));
            }
        }
        services.clear();
        services.putAll(next);
    }

    private ServiceRuntime change(ServiceRuntime old, VirtualService v, Instant now) {
        VirtualService was = old.spec;
        boolean checkChange = !was.healthCheck().equals(v.healthCheck()) || !was.ports().equals(v.ports())
                || !was.address().equals(v.address());
        ServiceRuntime s = new ServiceRuntime(v);
        for (RealServer r : v.realServers()) {
            RealServerRuntime rt = old.reals.get(r.label());
            if (rt == null) {
                rt = new RealServerRuntime(r, now);
            } else {
                boolean targetChange = !rt.spec.address().equals(r.address()) || rt.spec.port() != r.port();
                if ((checkChange || targetChange) && rt.monitor != null) {
                    rt.monitor.stop();
                    rt.monitor = null;
                }
                rt.spec = r;
                if (checkChange) {
                    rt.reported = null; // a new check reports anew; until then the configured weight
                }
                rt.backend = (targetChange ? Backend.of(r) : rt.backend).withSpec(r.withWeight(rt.reportedWeight()));
            }
            s.reals.put(r.label(), rt);
        }
        for (RealServerRuntime gone : old.reals.values()) {
            if (!s.reals.containsKey(gone.spec.label()) && gone.monitor != null) {
                gone.monitor.stop();
            }
        }
        boolean sameFallback = Objects.equals(was.fallback(), v.fallback());
        s.fallback = sameFallback ? old.fallback : v.fallback().map(Backend::of).orElse(null);
        s.persistence = was.persistence().equals(v.persistence()) ? old.persistence : persistence(v);
        s.onFallback = old.onFallback;
        s.failbackReleased = old.failbackReleased;
        s.version = old.version;
        s.eligible = old.eligible.stream().filter(rt -> s.reals.get(rt.spec.label()) == rt).toList();
        old.cancelTimers();
        refresh(s, "reconfigured", now);
        if (running) {
            startMonitors(List.of(s));
        }
        return s;
    }

    // ---------------------------------------------------------------- health

    /**
     * Starts a monitor for every checked real server of {@code batch} that has none. The k-th of the n started
     * here makes its first attempt k/n of its interval from now when its check spreads (HAProxy's start-up
     * spreading): a thousand checks do not all start in one instant.
     */
    private void startMonitors(Collection<ServiceRuntime> batch) {
        long n = batch.stream().filter(s -> !s.spec.healthCheck().isNone())
                .flatMap(s -> s.reals.values().stream()).filter(rt -> rt.monitor == null).count();
        long k = 0;
        for (ServiceRuntime s : batch) {
            HealthCheck check = s.spec.healthCheck();
            if (check.isNone()) {
                continue;
            }
            for (RealServerRuntime rt : s.reals.values()) {
                if (rt.monitor == null) {
                    long interval = check.interval().toNanos();
                    // interval * k / n without overflow for long intervals and many servers
                    Duration spread = check.spread()
                            ? Duration.ofNanos(interval / n * k + interval % n * k / n) : Duration.ZERO;
                    startMonitor(s, rt, check, spread);
                    k++;
                }
            }
        }
    }

    private void startMonitor(ServiceRuntime s, RealServerRuntime rt, HealthCheck check, Duration spread) {
        RealServer r = rt.spec;
        List<Integer> ports = check.ports().allPorts()
                ? s.spec.ports().stream().map(r::targetPort).distinct().toList()
                : check.ports().ports();
        CheckTarget target = new CheckTarget(s.spec.label(), s.spec.address(), s.spec.ports(), r.label(),
                r.address(), ports, check.timeout());
        HealthMonitor[] self = new HealthMonitor[1];
        HealthMonitor.Listener listener = new HealthMonitor.Listener() {
            @Override
            public void onResult(CheckResult result) {
                synchronized (Director.this) {
                    if (rt.monitor == self[0]) {
                        rt.lastCheck = result.reason();
                        rt.lastCheckPorts = result.ports();
                        rt.checkAttempts++;
                        rt.checkNanos += self[0].lastAttemptDuration().map(Duration::toNanos).orElse(0L);
                        result.weight().ifPresent(w -> weightReported(s.spec.label(), rt, w));
                    }
                }
            }

            @Override
            public void onTransition(boolean up, CheckResult cause) {
                synchronized (Director.this) {
                    if (rt.monitor == self[0] && running) {
                        healthChanged(s.spec.label(), rt, up, cause);
                    }
                }
            }
        };
        HealthMonitor m = new HealthMonitor(check, target, strategies.forProbe(check.probe()), checkContext,
                listener, random.split());
        self[0] = m;
        rt.monitor = m;
        Duration initial = check.jitter().isZero() ? spread
                : spread.plusNanos(random.nextLong(check.jitter().toNanos()));
        m.start(initial, rt.healthy);
    }

    private static void stopMonitors(ServiceRuntime s) {
        for (RealServerRuntime rt : s.reals.values()) {
            if (rt.monitor != null) {
                rt.monitor.stop();
                rt.monitor = null;
            }
        }
    }

    /**
     * A check reported a weight: new connections are balanced by it from the next snapshot on; established ones are not
     * touched (the backend keeps its counters). A weight of 0 takes the server out of new connections, as Drain does,
     * without changing its state.
     */
    private void weightReported(String label, RealServerRuntime rt, WeightReport weight) {
        ServiceRuntime s = services.get(label);
        if (s == null || s.reals.get(rt.spec.label()) != rt || !running) {
            return;
        }
        int before = rt.reportedWeight();
        boolean wasAble = rt.able();
        rt.reported = weight.equals(WeightReport.configured()) ? null : weight;
        int after = rt.reportedWeight();
        if (after == before) {
            return;
        }
        Instant now = clock.now();
        if (!wasAble && rt.able()) {
            rt.ableSince = now;
        }
        rt.backend = rt.currentBackend();
        refresh(s, rt.spec.label() + " weight " + before + " -> " + after, now);
    }

    private void healthChanged(String label, RealServerRuntime rt, boolean up, CheckResult cause) {
        ServiceRuntime s = services.get(label);
        if (s == null || s.reals.get(rt.spec.label()) != rt) {
            return;
        }
        boolean wasAble = rt.able();
        rt.healthy = up;
        rt.lastCheck = cause.reason();
        rt.lastCheckPorts = cause.ports();
        Instant now = clock.now();
        if (up) {
            if (!wasAble && rt.able()) {
                rt.ableSince = now;
            }
            events.publish(new RealServerUp(now, label, rt.spec.label()));
            refresh(s, rt.spec.label() + " up", now);
        } else {
            if (s.persistence != null) {
                s.persistence.expire(rt.spec.label());
            }
            events.publish(new RealServerDown(now, label, rt.spec.label(), cause.reason()));
            refresh(s, rt.spec.label() + " down: " + cause.reason(), now);
            if (s.spec.onDown() == OnDown.CLOSE && running) {
                // After the new snapshot is in: a client that reconnects at once is routed without this server.
                engine.expire(label, rt.backend);
            }
        }
    }

    // ---------------------------------------------------------------- routing

    /** Recomputes the service's snapshot, publishes failover / fail-back events, hands the snapshot to the engine. */
    private void refresh(ServiceRuntime s, String reason, Instant now) {
        List<RealServerRuntime> able = s.reals.values().stream().filter(RealServerRuntime::able).toList();
        List<RealServerRuntime> eligible = able;
        if (s.holdDownTimer != null) {
            s.holdDownTimer.cancel();
            s.holdDownTimer = null;
        }
        if (s.onFallback && !able.isEmpty()) {
            FailbackPolicy policy = s.spec.failback();
            switch (policy.mode()) {
                case AUTOMATIC -> { }
                case MANUAL -> eligible = s.failbackReleased ? able : List.of();
                case HOLD_DOWN -> {
                    eligible = able.stream().filter(rt -> !rt.ableSince.plus(policy.holdDown()).isAfter(now)).toList();
                    if (eligible.isEmpty()) {
                        Instant due = able.stream().map(rt -> rt.ableSince.plus(policy.holdDown()))
                                .min(Instant::compareTo).orElseThrow();
                        s.holdDownTimer = clock.schedule(Duration.between(now, due), () -> {
                            synchronized (Director.this) {
                                if (services.get(s.spec.label()) == s && running) {
                                    refresh(s, "hold-down of " + policy.holdDown() + " passed", clock.now());
                                }
                            }
                        });
                    }
                }
            }
        }
        boolean nowOnFallback = eligible.isEmpty();
        if (nowOnFallback && !s.onFallback) {
            s.failbackReleased = false;
            String to = s.fallback == null ? "none" : Addresses.text(s.fallback.address());
            events.publish(new FailedOver(now, s.spec.label(), to, reason));
            FailedOverEvent jfr = new FailedOverEvent();
            if (jfr.shouldCommit()) {
                jfr.service = s.spec.label();
                jfr.fallback = to;
                jfr.reason = reason;
                jfr.commit();
            }
        } else if (!nowOnFallback && s.onFallback) {
            List<String> back = eligible.stream().map(rt -> rt.spec.label()).toList();
            events.publish(new FailedBack(now, s.spec.label(), back));
            FailedBackEvent jfr = new FailedBackEvent();
            if (jfr.shouldCommit()) {
                jfr.service = s.spec.label();
                jfr.realServers = String.join(",", back);
                jfr.commit();
            }
        }
        s.onFallback = nowOnFallback;
        snapshot(s, eligible, now, true);
        if (running) {
            engine.install(s.table);
        }
    }

    private ServiceRuntime newRuntime(VirtualService v, Instant now) {
        ServiceRuntime s = new ServiceRuntime(v);
        for (RealServer r : v.realServers()) {
            s.reals.put(r.label(), new RealServerRuntime(r, now));
        }
        s.fallback = v.fallback().map(Backend::of).orElse(null);
        s.persistence = persistence(v);
        // A service that starts with nothing able is on its fallback from the start, without a failover event.
        List<RealServerRuntime> able = s.reals.values().stream().filter(RealServerRuntime::able).toList();
        s.onFallback = able.isEmpty();
        snapshot(s, able, now, false);
        return s;
    }

    /**
     * A new snapshot in which {@code eligible} take new connections; the service's {@code onFallback} is current.
     * With slow start, a server that was not eligible in the last snapshot starts ramping (unless {@code ramp} is
     * false: the first snapshot), and a ramping server gets its effective weight; while every eligible server
     * ramps, the fallback takes the complement of their weighted progress (see {@code VirtualService.slowStart}).
     */
    private void snapshot(ServiceRuntime s, List<RealServerRuntime> eligible, Instant now, boolean ramp) {
        long slowMillis = s.spec.slowStart().toMillis();
        for (RealServerRuntime rt : s.reals.values()) {
            boolean in = eligible.contains(rt);
            if (in && !rt.eligible && ramp && slowMillis > 0) {
                rt.rampStart = now;
            } else if (!in || slowMillis == 0) {
                rt.rampStart = null;
            }
            rt.eligible = in;
        }
        s.eligible = eligible;
        List<Backend> backends = new ArrayList<>(eligible.size());
        long weights = 0;
        long progress = 0; // sum of weight x millionths of the ramp done
        boolean allRamping = !eligible.isEmpty();
        for (RealServerRuntime rt : eligible) {
            int w = rt.reportedWeight(); // a feedback agent's weight ramps like the configured one
            long done = RoutingTable.SHARE_SCALE;
            if (rt.rampStart != null) {
                long elapsed = Duration.between(rt.rampStart, now).toMillis();
                done = Math.min(RoutingTable.SHARE_SCALE, elapsed * RoutingTable.SHARE_SCALE / slowMillis);
                if (done == RoutingTable.SHARE_SCALE) {
                    rt.rampStart = null;
                }
            }
            if (rt.rampStart == null) {
                allRamping = false;
            }
            // At least 1: weights only weigh servers against each other, and 0 would take the server out entirely.
            rt.effectiveWeight = done == RoutingTable.SHARE_SCALE || w == 0 ? w
                    : (int) Math.max(1, (w * done + RoutingTable.SHARE_SCALE - 1) / RoutingTable.SHARE_SCALE);
            backends.add(rt.backend.withWeight(rt.effectiveWeight));
            weights += w;
            progress += w * done;
        }
        int fallbackShare = allRamping && s.fallback != null && weights > 0
                ? (int) (RoutingTable.SHARE_SCALE - progress / weights) : 0;
        s.table = new RoutingTable(s.spec, ++s.version, backends, s.fallback, s.onFallback, s.persistence,
                fallbackShare);
        if (s.rampTimer != null) {
            s.rampTimer.cancel();
            s.rampTimer = null;
        }
        if (eligible.stream().anyMatch(rt -> rt.rampStart != null)) {
            // HAProxy steps its slow start about once a second; a twentieth of a long ramp is as smooth.
            Duration step = Duration.ofMillis(Math.max(1000, slowMillis / 20));
            s.rampTimer = clock.schedule(step, () -> {
                synchronized (Director.this) {
                    if (services.get(s.spec.label()) == s && running) {
                        snapshot(s, s.eligible, clock.now(), true);
                        engine.install(s.table);
                    }
                }
            });
        }
    }

    private PersistenceTable persistence(VirtualService v) {
        return v.persistence().isZero() ? null : new PersistenceTable(v.persistence(), clock);
    }

    private ServiceRuntime service(String label) {
        Objects.requireNonNull(label, "service");
        ServiceRuntime s = services.get(label);
        if (s == null) {
            throw new NoSuchElementException("no service \"" + label + "\" (have: "
                    + String.join(", ", services.keySet()) + ")");
        }
        return s;
    }

    /**
     * Rejects what this balancer cannot run: a method the engine lacks, a probe no strategy runs or its strategy
     * refuses (a script outside the script directories).
     */
    private void validate(VirtualService s) {
        Set<ForwardingMethod> needed = EnumSet.of(s.method());
        if (s.method() != ForwardingMethod.PROXY && s.fallback().map(f -> f.masquerade()).orElse(false)) {
            needed.add(ForwardingMethod.NAT);
        }
        if (!engine.methods().containsAll(needed)) {
            Set<String> missing = new LinkedHashSet<>();
            needed.stream().filter(m -> !engine.methods().contains(m)).forEach(m -> missing.add(m.configName()));
            throw new IllegalStateException("service \"" + s.label() + "\": forwarding method "
                    + String.join(", ", missing) + " is not supported by engine \"" + engine.name()
                    + "\" (supports: " + engine.methods().stream().map(ForwardingMethod::configName)
                    .collect(Collectors.joining(", ")) + ")");
        }
        if (!s.healthCheck().isNone()) {
            HealthCheckStrategy strategy = strategies.forProbe(s.healthCheck().probe());
            try {
                strategy.validate(s.healthCheck().probe(), checkContext);
            } catch (IllegalArgumentException e) {
                // The same shape as validateServices' messages, so the admin API and the file can say which service.
                throw new IllegalArgumentException("services[" + s.label() + "]." + e.getMessage(), e);
            }
        }
    }
}
