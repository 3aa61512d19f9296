package io.lb4j.engine.proxy;

import io.lb4j.api.spi.TaskClock;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What a started engine shares with its connections and sessions: transport, I/O threads, clock, counters, the
 * flow registry, the factory of backend channels, the UDP bootstrap template (cloned per session onto the
 * caller's event loop) and each I/O thread's idle sweeper.
 */
record EngineRuntime(Transport transport, EventLoopGroup group, TaskClock clock, Counters counters,
                     FlowRegistry flows, long udpIdleNanos, UpstreamFactory upstream, Bootstrap datagram,
                     Map<EventExecutor, IdleSweeper> sweepers, Map<EventExecutor, UringBuffers> uringBuffers) {

    /** {@code uringRelay}: TCP services run on {@link UringRelay} (io_uring transport, native access granted). */
    EngineRuntime(Transport transport, EventLoopGroup group, TaskClock clock, Counters counters, FlowRegistry flows,
                  long udpIdleNanos, UpstreamFactory upstream, Bootstrap datagram, boolean uringRelay) {
        this(transport, group, clock, counters, flows, udpIdleNanos, upstream, datagram, sweepers(group, clock),
                uringRelay ? uringBuffers(group) : Map.of());
    }

    private static Map<EventExecutor, UringBuffers> uringBuffers(EventLoopGroup group) {
        Map<EventExecutor, UringBuffers> m = new IdentityHashMap<>();
        for (EventExecutor e : group) {
            m.put(e, new UringBuffers());
        }
        return m;
    }

    /** Whether TCP services run on the io_uring relay rather than on Netty channels. */
    boolean uringRelay() {
        return !uringBuffers.isEmpty();
    }

    /** The relay memory of {@code loop}, one of this runtime's I/O threads; only on that loop. */
    UringBuffers buffers(EventExecutor loop) {
        return uringBuffers.get(loop);
    }

    /** One per I/O thread, made once: the map is only read afterwards, by the I/O threads. */
    private static Map<EventExecutor, IdleSweeper> sweepers(EventLoopGroup group, TaskClock clock) {
        Map<EventExecutor, IdleSweeper> m = new IdentityHashMap<>();
        for (EventExecutor e : group) {
            m.put(e, new IdleSweeper((EventLoop) e, clock));
        }
        return m;
    }

    /** The sweeper of {@code loop}, one of this runtime's I/O threads. */
    IdleSweeper sweeper(EventLoop loop) {
        return sweepers.get(loop);
    }
}
