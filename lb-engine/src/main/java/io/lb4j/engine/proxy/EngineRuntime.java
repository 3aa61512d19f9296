package io.lb4j.engine.proxy;

import io.lb4j.api.spi.TaskClock;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoopGroup;

/**
 * What a started engine shares with its connections and sessions: transport, I/O threads, clock, counters, the
 * flow registry, the factory of backend channels and the UDP bootstrap template (cloned per session onto the
 * caller's event loop).
 */
record EngineRuntime(Transport transport, EventLoopGroup group, TaskClock clock, Counters counters,
                     FlowRegistry flows, long udpIdleNanos, UpstreamFactory upstream, Bootstrap datagram) {
}
