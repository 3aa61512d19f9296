package io.lb4j.engine.proxy;

import io.lb4j.api.status.ServiceCounters;

import java.util.concurrent.atomic.LongAdder;

/**
 * One service's counts of what its timeouts and caps did; updated from every I/O thread without contention, read by
 * {@code ProxyEngine.counters(label)} for the service's status and metrics. The engine-wide totals are in
 * {@link Counters}.
 */
final class LimitCounters {
    final LongAdder clientIdleExpired = new LongAdder();
    final LongAdder serverIdleExpired = new LongAdder();
    final LongAdder refusedNoBackend = new LongAdder();
    final LongAdder refusedAtCap = new LongAdder();
    final LongAdder udpSessionsEvicted = new LongAdder();

    /** The counts now; read one after another, not atomically together. */
    ServiceCounters snapshot() {
        return new ServiceCounters(clientIdleExpired.sum(), serverIdleExpired.sum(), refusedNoBackend.sum(),
                refusedAtCap.sum(), udpSessionsEvicted.sum());
    }
}
