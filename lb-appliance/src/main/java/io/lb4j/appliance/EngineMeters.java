package io.lb4j.appliance;

import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.engine.proxy.ProxyEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters of the forwarding engine as a whole, from {@link ProxyEngine#stats()} or
 * {@link PacketEngine#stats()}: what lb-admin's per-service and per-server meters do not show (frames, drops by
 * reason, the engine's bytes and errors). The appliance binds them to the admin server's registry. Every meter of one
 * scrape reads one stats snapshot, taken at most {@value #SNAPSHOT_MILLIS} ms before. Thread-safe.
 *
 * <p>Proxy engine: {@code lb4j.proxy.engine.connections.accepted}, {@code lb4j.proxy.engine.connections.active},
 * {@code lb4j.proxy.engine.udp.sessions.active}, {@code lb4j.proxy.engine.bytes} (tag {@code direction} = in (to
 * backends) / out (to clients); payload bytes), {@code lb4j.proxy.engine.refused} (tag {@code reason} = noBackend /
 * maxConnections), {@code lb4j.proxy.engine.connect.failures}, {@code lb4j.proxy.engine.retries},
 * {@code lb4j.proxy.engine.errors}, {@code lb4j.proxy.engine.datagrams.dropped},
 * {@code lb4j.proxy.engine.back.pressure.pauses}, {@code lb4j.proxy.engine.pending.bytes}.
 *
 * <p>Packet engine: {@code lb4j.packet.frames} (tag {@code direction} = rx / tx), {@code lb4j.packet.forwarded}
 * (tag {@code kind} = direct / nat / reply), {@code lb4j.packet.dropped} (tag {@code reason}, one per drop counter of
 * {@link PacketEngine.Stats}), {@code lb4j.packet.ignored}, {@code lb4j.packet.flows.active},
 * {@code lb4j.packet.flows} (tag {@code event} = created / expired / evicted / halted),
 * {@code lb4j.packet.flow.sync.overflows}.
 */
final class EngineMeters<S> implements MeterBinder {

    private static final long SNAPSHOT_MILLIS = 250;

    private final Supplier<S> stats;
    private final boolean proxy;
    private volatile S last;
    private volatile long lastNanos;

    private EngineMeters(Supplier<S> stats, boolean proxy) {
        this.stats = stats;
        this.proxy = proxy;
    }

    /** The meters of {@code engine}; a binder that binds nothing for an engine it does not know (a test's own). */
    static MeterBinder of(ForwardingEngine engine) {
        return switch (engine) {
            case ProxyEngine p -> new EngineMeters<>(p::stats, true);
            case PacketEngine p -> new EngineMeters<>(p::stats, false);
            default -> registry -> { };
        };
    }

    private S stats() {
        long now = System.nanoTime();
        S s = last;
        if (s == null || now - lastNanos > SNAPSHOT_MILLIS * 1_000_000) {
            s = stats.get();
            last = s;
            lastNanos = now;
        }
        return s;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void bindTo(MeterRegistry registry) {
        if (proxy) {
            bindProxy(registry, (EngineMeters<ProxyEngine.Stats>) this);
        } else {
            bindPacket(registry, (EngineMeters<PacketEngine.Stats>) this);
        }
    }

    private static void bindProxy(MeterRegistry r, EngineMeters<ProxyEngine.Stats> m) {
        String p = "lb4j.proxy.engine.";
        m.counter(r, p + "connections.accepted", Tags.empty(), "TCP connections accepted on a VIP port",
                ProxyEngine.Stats::accepted);
        m.gauge(r, p + "connections.active", "TCP connections open now", ProxyEngine.Stats::activeConnections);
        m.gauge(r, p + "udp.sessions.active", "UDP sessions open now", ProxyEngine.Stats::udpSessions);
        String bytes = "payload bytes relayed: in from clients to backends, out from backends to clients";
        m.counter(r, p + "bytes", Tags.of("direction", "in"), bytes, ProxyEngine.Stats::bytesToBackends);
        m.counter(r, p + "bytes", Tags.of("direction", "out"), bytes, ProxyEngine.Stats::bytesToClients);
        String refused = "TCP connections and new UDP clients refused: no backend could take them (noBackend), the"
                + " service held maxConnections (maxConnections)";
        m.counter(r, p + "refused", Tags.of("reason", "noBackend"), refused, ProxyEngine.Stats::refused);
        m.counter(r, p + "refused", Tags.of("reason", "maxConnections"), refused, ProxyEngine.Stats::refusedAtCap);
        m.counter(r, p + "connect.failures", Tags.empty(), "connects to a backend that failed or timed out",
                ProxyEngine.Stats::connectFailures);
        m.counter(r, p + "retries", Tags.empty(), "connections retried on a second backend",
                ProxyEngine.Stats::retries);
        m.counter(r, p + "errors", Tags.empty(), "I/O errors on connections and sessions", ProxyEngine.Stats::errors);
        m.counter(r, p + "datagrams.dropped", Tags.empty(), "UDP datagrams dropped: a queue full or a socket not"
                + " writable", ProxyEngine.Stats::datagramsDropped);
        m.counter(r, p + "back.pressure.pauses", Tags.empty(), "times a direction stopped reading because its"
                + " destination was not writable", ProxyEngine.Stats::backPressurePauses);
        m.gauge(r, p + "pending.bytes", "bytes held now, written but not yet flushed to a socket",
                ProxyEngine.Stats::pendingBytes);
    }

    private static void bindPacket(MeterRegistry r, EngineMeters<PacketEngine.Stats> m) {
        String frames = "frames received (rx) and sent (tx) by the packet engine";
        m.counter(r, "lb4j.packet.frames", Tags.of("direction", "rx"), frames, PacketEngine.Stats::rxFrames);
        m.counter(r, "lb4j.packet.frames", Tags.of("direction", "tx"), frames, PacketEngine.Stats::txFrames);
        String fwd = "frames forwarded: client frames by direct routing (direct) or NAT (nat), NAT replies rewritten"
                + " back to the VIP (reply)";
        m.counter(r, "lb4j.packet.forwarded", Tags.of("kind", "direct"), fwd, PacketEngine.Stats::forwardedDirect);
        m.counter(r, "lb4j.packet.forwarded", Tags.of("kind", "nat"), fwd, PacketEngine.Stats::forwardedNat);
        m.counter(r, "lb4j.packet.forwarded", Tags.of("kind", "reply"), fwd, PacketEngine.Stats::repliesUnNatted);
        m.counter(r, "lb4j.packet.ignored", Tags.empty(), "frames left to the host (other addresses, ports,"
                + " protocols)", PacketEngine.Stats::notForUs);
        drop(r, m, "malformed", PacketEngine.Stats::malformed);
        drop(r, m, "badIpChecksum", PacketEngine.Stats::badIpChecksum);
        drop(r, m, "badChecksum", PacketEngine.Stats::badChecksum);
        drop(r, m, "fragment", PacketEngine.Stats::fragments);
        drop(r, m, "unknownEtherType", PacketEngine.Stats::unknownEtherType);
        drop(r, m, "noFlow", PacketEngine.Stats::noFlow);
        drop(r, m, "noBackend", PacketEngine.Stats::noBackend);
        drop(r, m, "neighbourMiss", PacketEngine.Stats::neighbourMiss);
        drop(r, m, "txRingFull", PacketEngine.Stats::txRingFull);
        drop(r, m, "txRefused", PacketEngine.Stats::txRefused);
        drop(r, m, "truncatedCapture", PacketEngine.Stats::truncatedCapture);
        drop(r, m, "oversize", PacketEngine.Stats::oversize);
        drop(r, m, "vlanOffloaded", PacketEngine.Stats::vlanOffloaded);
        drop(r, m, "ipv6Extension", PacketEngine.Stats::ipv6ExtensionDropped);
        m.gauge(r, "lb4j.packet.flows.active", "flows in the flow table now", PacketEngine.Stats::liveFlows);
        String flows = "flows of the flow table, by what happened to them";
        m.counter(r, "lb4j.packet.flows", Tags.of("event", "created"), flows, PacketEngine.Stats::flowsCreated);
        m.counter(r, "lb4j.packet.flows", Tags.of("event", "expired"), flows, PacketEngine.Stats::flowsExpired);
        m.counter(r, "lb4j.packet.flows", Tags.of("event", "evicted"), flows, PacketEngine.Stats::flowsEvicted);
        m.counter(r, "lb4j.packet.flows", Tags.of("event", "halted"), flows, PacketEngine.Stats::flowsHalted);
        m.counter(r, "lb4j.packet.flow.sync.overflows", Tags.empty(), "flow changes the sync journal had no room for"
                + " (sent later by the periodic refresh)", PacketEngine.Stats::flowSyncOverflows);
    }

    private static void drop(MeterRegistry r, EngineMeters<PacketEngine.Stats> m, String reason,
                             ToDoubleFunction<PacketEngine.Stats> f) {
        m.counter(r, "lb4j.packet.dropped", Tags.of("reason", reason), "frames the packet path dropped, by reason", f);
    }

    private void counter(MeterRegistry r, String name, Tags tags, String description, ToDoubleFunction<S> f) {
        // The function calls this.stats(), so the meter holds the binder strongly (Micrometer holds the state object
        // only weakly, and nothing else keeps this binder alive).
        FunctionCounter.builder(name, this, m -> f.applyAsDouble(stats())).tags(tags).description(description)
                .register(r);
    }

    private void gauge(MeterRegistry r, String name, String description, ToDoubleFunction<S> f) {
        Gauge.builder(name, this, m -> f.applyAsDouble(m.stats())).strongReference(true).description(description)
                .register(r);
    }
}
