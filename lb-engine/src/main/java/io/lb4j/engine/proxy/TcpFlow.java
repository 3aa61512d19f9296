package io.lb4j.engine.proxy;

import io.lb4j.api.TcpKeepAlive;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Duration;

/**
 * A proxied TCP connection, whichever relay carries it ({@link TcpPair} on Netty channels, {@link UringPair} on bare
 * io_uring requests): admission against the service's {@code maxConnections}, the timeouts and keepalive of the
 * service's snapshot at accept, and the idle checks of its event loop's {@link IdleSweeper}, which also sets the
 * backend socket's keepalive on its first pass.
 *
 * <p>The sweeper's first pass comes within a tenth of the keepalive idle time, so most short connections are gone by
 * then and never pay the keepalive's four system calls (a measured 6% of the proxy's CPU on short connections), and a
 * connection that lasts gets the same first probe as if they had been set at connect: the kernel counts the idle time
 * from the last segment received, not from when {@code TCP_KEEPIDLE} was set.
 *
 * <p>Confined to the connection's event loop.
 */
abstract class TcpFlow implements Flow {

    private static final Logger LOG = LoggerFactory.getLogger(TcpFlow.class);

    final EngineRuntime rt;
    final ServiceHandle service;
    TcpFlow sweepPrev; // the sweeper's list links, confined to the loop like the sweeper
    TcpFlow sweepNext;
    TcpKeepAlive keepAlive = TcpKeepAlive.defaults();
    private long clientIdleNanos; // 0 = never
    private long serverIdleNanos;
    boolean idleTracked; // either timeout set and the backend connected
    boolean keepAlivePending; // the backend socket's keepalive, left to the sweeper's first pass
    long clientActiveAt; // clock nanos of each side's last activity
    long serverActiveAt;
    private IdleSweeper sweeper; // set while the loop's sweeper tracks this connection
    private boolean holdsSlot;

    TcpFlow(EngineRuntime rt, ServiceHandle service) {
        this.rt = rt;
        this.service = service;
    }

    /**
     * Takes a {@code maxConnections} slot and the snapshot's timeouts and keepalive; {@code false}, counted, when the
     * service is at its cap (the caller closes the client). Before routing: a refused connection must not take, or
     * count against, a backend's slot.
     */
    final boolean admit(VirtualService spec) {
        if (!service.admit(spec.maxConnections())) {
            rt.counters().refusedAtCap.increment();
            service.counters.refusedAtCap.increment();
            return false;
        }
        holdsSlot = true;
        keepAlive = spec.tcpKeepAlive();
        clientIdleNanos = spec.clientIdleTimeout().toNanos();
        serverIdleNanos = spec.serverIdleTimeout().toNanos();
        return true;
    }

    /**
     * The backend for a client at {@code client} (its slot claimed), or {@code null} once counted why: no backend
     * to route to (a refusal), or a scheduler that failed (an error, logged: it must cost one connection, not the
     * event loop). The caller closes the client on {@code null}.
     */
    final Backend route(InetAddress client) {
        Backend b;
        try {
            RoutingTable table = service.table();
            b = table.route(table.clientKeyFor(client));
        } catch (RuntimeException e) {
            rt.counters().errors.increment();
            LOG.warn("service {}: route failed; closing the client", service.label(), e);
            return null;
        }
        if (b == null) {
            countRefused();
        }
        return b;
    }

    /** Counts a connection refused for want of a backend (none routable, or the service is closing). */
    final void countRefused() {
        rt.counters().refused.increment();
        service.counters.refusedNoBackend.increment();
    }

    /** Hands the connection to {@code loop}'s sweeper when it has idle timeouts or a backend keepalive to set. */
    final void startSweeping(EventLoop loop) {
        idleTracked = clientIdleNanos != 0 || serverIdleNanos != 0;
        if (!idleTracked && !keepAlivePending) {
            return;
        }
        long now = rt.clock().nanoTime();
        clientActiveAt = now;
        serverActiveAt = now;
        sweeper = rt.sweeper(loop);
        sweeper.track(this, sweepTimeout());
    }

    /** The shortest of what the sweeper checks here, nanoseconds: the idle timeouts, a keepalive to set. */
    private long sweepTimeout() {
        long shortest = Long.MAX_VALUE;
        if (clientIdleNanos != 0) {
            shortest = clientIdleNanos;
        }
        if (serverIdleNanos != 0) {
            shortest = Math.min(shortest, serverIdleNanos);
        }
        if (keepAlivePending) {
            shortest = Math.min(shortest, keepAlive.idle().toNanos());
        }
        return shortest;
    }

    /**
     * A pass of the sweeper: sets the backend socket's keepalive if it waits for this, and expires the connection if a
     * side has been idle for its timeout. Answers the shortest timeout, for the sweeper's period, or
     * {@link Long#MAX_VALUE} when the connection is done or has no timeout left to check (it then leaves the sweeper).
     */
    final long checkIdle(long now) {
        if (done()) {
            return Long.MAX_VALUE;
        }
        if (keepAlivePending) {
            keepAlivePending = false;
            applyBackendKeepAlive();
            if (!idleTracked) {
                stopSweeping();
                return Long.MAX_VALUE;
            }
        }
        beforeIdleCheck(now);
        if (clientIdleNanos > 0 && now - clientActiveAt >= clientIdleNanos) {
            expireIdle(true);
            return Long.MAX_VALUE;
        }
        if (serverIdleNanos > 0 && now - serverActiveAt >= serverIdleNanos) {
            expireIdle(false);
            return Long.MAX_VALUE;
        }
        return sweepTimeout();
    }

    /**
     * Counts and closes a connection idle on {@code clientSide}'s side. Nothing is lost that could still arrive: that
     * side has moved no byte for the whole timeout. A close, not a reset: each peer gets a FIN after whatever its
     * kernel buffer still holds.
     */
    private void expireIdle(boolean clientSide) {
        if (clientSide) {
            rt.counters().clientIdleExpired.increment();
            service.counters.clientIdleExpired.increment();
        } else {
            rt.counters().serverIdleExpired.increment();
            service.counters.serverIdleExpired.increment();
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("service {}: closing a connection idle on the {} side for {}", service.label(),
                    clientSide ? "client" : "backend", Duration.ofNanos(clientSide ? clientIdleNanos : serverIdleNanos));
        }
        closeIdle();
    }

    /** The connection is over: leaves the sweeper and gives its {@code maxConnections} slot back. Idempotent. */
    final void finish() {
        stopSweeping();
        if (holdsSlot) {
            holdsSlot = false;
            service.connections.decrementAndGet();
        }
        rt.flows().closed();
    }

    private void stopSweeping() {
        if (sweeper != null) {
            sweeper.untrack(this);
            sweeper = null;
        }
    }

    /** Whether the connection is closed or closing: the sweeper has nothing more to do for it. */
    abstract boolean done();

    /** Sets {@link #keepAlive} on the backend socket, if connected. */
    abstract void applyBackendKeepAlive();

    /** Stamps activity the relay only sees now (bytes a socket took since the last pass); before the idle checks. */
    void beforeIdleCheck(long now) {
    }

    /** Closes both sides of an idle connection (a FIN each). */
    abstract void closeIdle();
}
