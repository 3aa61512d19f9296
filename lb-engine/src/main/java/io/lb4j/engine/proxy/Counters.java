package io.lb4j.engine.proxy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/** The engine's counters; updated from every I/O thread without contention, read by {@code ProxyEngine.stats()}. */
final class Counters {
    final LongAdder accepted = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder bytesToBackends = new LongAdder();
    final LongAdder bytesToClients = new LongAdder();
    final LongAdder pauses = new LongAdder();
    final LongAdder datagramsDropped = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder clientIdleExpired = new LongAdder();
    final LongAdder serverIdleExpired = new LongAdder();
    final LongAdder refusedAtCap = new LongAdder();
    final LongAdder udpSessionsEvicted = new LongAdder();
    final AtomicInteger udpSessions = new AtomicInteger();
    final LongAccumulator peakPending = new LongAccumulator(Math::max, 0);

    void bytes(boolean toBackend, long n) {
        (toBackend ? bytesToBackends : bytesToClients).add(n);
    }
}
