package io.lb4j.engine.proxy;

import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * One proxied TCP connection: the accepted client channel and the channel to the backend, on the same event loop so
 * that everything below runs on one thread without locks. Only {@link #abort()} and {@link #pendingBytes()} are
 * called from other threads.
 *
 * <p>Life: route, connect (retry once on the next candidate), relay both ways with back-pressure and half-close,
 * close. Each backend slot taken by routing is released exactly once, by {@link Attempt#end()}.
 */
final class TcpPair implements Flow {

    private static final Logger LOG = LoggerFactory.getLogger(TcpPair.class);
    private static final int MAX_ATTEMPTS = 2;

    private final EngineRuntime rt;
    private final ServiceHandle service;
    private final int vipPort;
    private final Channel client;
    private volatile Channel server; // the current attempt's channel; volatile for the pendingBytes gauge
    private Attempt attempt;
    private int attempts;
    private long clientKey;
    private boolean wired;
    private boolean aborted;
    private boolean clientToServerDone;
    private boolean serverToClientDone;
    private boolean finished;
    // Epoll reads a client's data and FIN even with autoRead off once the client half-closed: keep them until the
    // backend is connected. Bounded by what the kernel had buffered for this socket, as no more can follow a FIN.
    private ArrayDeque<Object> early;
    private boolean earlyFin;

    TcpPair(EngineRuntime rt, ServiceHandle service, int vipPort, Channel client) {
        this.rt = rt;
        this.service = service;
        this.vipPort = vipPort;
        this.client = client;
    }

    Relay clientRelay() {
        return new Relay(this, true);
    }

    /** A backend slot claimed for this pair; ends once, releasing the slot and leaving the registry. */
    private final class Attempt {
        final Backend backend;
        boolean ended;

        Attempt(Backend backend) {
            this.backend = backend;
        }

        void end() {
            if (!ended) {
                ended = true;
                rt.flows().remove(service.label(), backend.label(), TcpPair.this);
                backend.release();
            }
            maybeFinished();
        }
    }

    // ---- set-up -------------------------------------------------------------------------------------------------

    void clientActive() {
        rt.counters().accepted.increment();
        rt.flows().opened();
        client.closeFuture().addListener(f -> clientClosed());
        if (service.closed()) {
            refuse();
            return;
        }
        Backend b;
        try {
            clientKey = RoutingTable.clientKey(((InetSocketAddress) client.remoteAddress()).getAddress());
            b = service.table().route(clientKey);
        } catch (RuntimeException e) {
            // A faulty scheduler must cost one connection, not the event loop.
            fail("route", e);
            return;
        }
        if (b == null) {
            refuse();
            return;
        }
        connect(b);
    }

    private void refuse() {
        rt.counters().refused.increment();
        client.close();
    }

    private void connect(Backend b) {
        Attempt a = new Attempt(b);
        attempt = a;
        attempts++;
        rt.flows().add(service.label(), b.label(), this);
        Channel ch;
        try {
            ch = rt.upstream().newChannel();
            ch.pipeline().addLast(new Relay(this, false));
        } catch (RuntimeException e) {
            a.end();
            fail("connect", e);
            return;
        }
        server = ch;
        ch.closeFuture().addListener(x -> a.end());
        // Registered on the client's loop, from that loop: registration completes here and the connect is issued
        // at once, not as a task queued behind the rest of this I/O batch.
        ChannelFuture registered = client.eventLoop().register(ch);
        if (registered.isDone()) {
            registered(a, registered, b);
        } else {
            registered.addListener(x -> registered(a, registered, b));
        }
    }

    private void registered(Attempt a, ChannelFuture registered, Backend b) {
        Channel ch = registered.channel();
        if (!registered.isSuccess()) {
            if (ch.isRegistered()) {
                ch.close();
            } else {
                ch.unsafe().closeForcibly();
            }
            connected(a, registered);
            return;
        }
        ChannelFuture f = ch.connect(b.target(vipPort));
        if (f.isDone()) {
            connected(a, f);
        } else {
            f.addListener(x -> connected(a, f));
        }
    }

    private void connected(Attempt a, ChannelFuture f) {
        if (f.isSuccess()) {
            if (!client.isActive() || aborted) {
                f.channel().close();
                return;
            }
            wired = true;
            if (early != null) {
                Object msg;
                while ((msg = early.poll()) != null) {
                    read(true, msg);
                }
                readComplete(true);
            }
            if (earlyFin) {
                inputShutdown(true);
            }
            if (f.channel().isWritable()) {
                resumeReading(client);
            }
            resumeReading(f.channel());
            return;
        }
        a.end();
        if (!client.isActive() || aborted) {
            return; // the client left, or Halt: not the backend's fault
        }
        rt.counters().connectFailures.increment();
        if (LOG.isDebugEnabled()) {
            LOG.debug("service {}: connect to {} failed: {}", service.label(), a.backend, f.cause().toString());
        }
        if (attempts < MAX_ATTEMPTS && !service.closed()) {
            Backend next;
            try {
                next = nextCandidate(a.backend);
            } catch (RuntimeException e) {
                fail("route", e);
                return;
            }
            if (next != null) {
                rt.counters().retries.increment();
                connect(next);
                return;
            }
        }
        client.close();
    }

    /**
     * The backend to retry on: as {@link RoutingTable#route} does for a full server, the real server after the one
     * that failed in the newest table's configured order, then the fallback. Not {@code route()} itself: a
     * least-connections scheduler would pick the failed server again, its slot having just been freed, and claiming
     * and releasing it would count a connection it never had.
     */
    private Backend nextCandidate(Backend failed) {
        RoutingTable table = service.table();
        List<Backend> backends = table.backends();
        int at = -1;
        for (int i = 0; i < backends.size(); i++) {
            if (backends.get(i).label().equals(failed.label())) {
                at = i;
                break;
            }
        }
        for (int k = 1; k <= backends.size(); k++) {
            Backend c = backends.get(Math.floorMod(at + k, backends.size()));
            if (!c.label().equals(failed.label()) && c.weight() > 0 && c.tryAcquire()) {
                return c;
            }
        }
        Backend fallback = table.fallback();
        if (fallback != null && !fallback.label().equals(failed.label()) && fallback.tryAcquire()) {
            return fallback;
        }
        return null;
    }

    // ---- relay (called by the two Relay handlers) ----------------------------------------------------------------

    private Channel peer(boolean fromClient) {
        return fromClient ? server : client;
    }

    void read(boolean fromClient, Object msg) {
        if (!wired && fromClient && client.isActive()) {
            if (early == null) {
                early = new ArrayDeque<>();
            }
            early.add(msg);
            return;
        }
        Channel dst = wired ? peer(fromClient) : null;
        if (dst == null || !dst.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf) {
            rt.counters().bytes(fromClient, buf.readableBytes());
        }
        // Failures surface as exceptionCaught on dst's pipeline, which closes the pair.
        dst.write(msg, dst.voidPromise());
        ChannelOutboundBuffer out = dst.unsafe().outboundBuffer();
        if (out != null) {
            rt.counters().peakPending.accumulate(out.totalPendingWriteBytes());
        }
        if (!dst.isWritable()) {
            // Above the high mark: hand what the socket takes to the kernel now (one extra write per maxPendingBytes
            // at most), and stop reading only if that leaves it above the mark. Pausing on every crossing would
            // toggle read interest a few times per maxPendingBytes relayed even when the destination keeps up.
            dst.flush();
            if (!dst.isWritable()) {
                // Stop here rather than on the writability event, so at most this one read lands above the mark.
                Channel src = fromClient ? client : server;
                if (!((DuplexChannel) src).isInputShutdown()) {
                    src.config().setAutoRead(false);
                }
                rt.counters().pauses.increment();
            }
        }
    }

    void readComplete(boolean fromClient) {
        Channel dst = wired ? peer(fromClient) : null;
        if (dst != null) {
            dst.flush();
        }
    }

    /** {@code ch}'s writability changed: let its peer, which writes into it, read again once it drained. */
    void writabilityChanged(boolean clientSide) {
        Channel ch = clientSide ? client : server;
        Channel other = peer(clientSide);
        if (wired && ch != null && ch.isWritable() && other != null) {
            resumeReading(other);
        }
    }

    // No read interest on a socket whose input is shut down: nothing is left to read (see EpollInterestFix for epoll).
    private static void resumeReading(Channel ch) {
        if (ch.isActive() && !((DuplexChannel) ch).isInputShutdown()) {
            ch.config().setAutoRead(true);
        }
    }

    /** The side {@code fromClient} sent FIN: pass it on after everything it sent before. */
    void inputShutdown(boolean fromClient) {
        if (!wired && fromClient && client.isActive()) {
            earlyFin = true;
            return;
        }
        Channel dst = wired ? peer(fromClient) : null;
        if (dst == null || !dst.isActive()) {
            closeBoth();
            return;
        }
        dst.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                closeBoth();
                return;
            }
            if (fromClient ? serverToClientDone : clientToServerDone) {
                // dst sent its FIN long ago and all of this direction is in dst's kernel buffer: this FIN finishes
                // the connection. Closing dst sends it (nothing unread is left on dst, which is at EOF), without
                // Netty's output shutdown, which builds an exception with a stack trace every time.
                closeBoth();
                return;
            }
            ((DuplexChannel) dst).shutdownOutput().addListener(g -> {
                if (!g.isSuccess()) {
                    closeBoth();
                    return;
                }
                if (fromClient) {
                    clientToServerDone = true;
                } else {
                    serverToClientDone = true;
                }
                if (clientToServerDone && serverToClientDone) {
                    closeBoth();
                } else if (dst.isActive()) {
                    // dst's own FIN, whenever it comes, finishes the connection: let the transport close dst on it
                    // (then inactive() flushes the rest to the other side and closes that) instead of half-closing
                    // dst's input first, which on epoll is a shutdown(2) that fails with ENOTCONN and another
                    // exception. Nothing is lost: everything dst sends before its FIN is still read and relayed.
                    dst.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                }
            });
        });
    }

    /** The side {@code clientSide} closed: deliver what it sent, then close the other side. */
    void inactive(boolean clientSide) {
        Channel other = peer(clientSide);
        if (other == null || !other.isActive()) {
            return;
        }
        if (aborted || !wired) {
            other.close();
        } else {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> other.close());
        }
    }

    void exception(boolean clientSide, Throwable cause) {
        rt.counters().errors.increment();
        if (LOG.isDebugEnabled()) {
            LOG.debug("service {}: {} side: {}", service.label(), clientSide ? "client" : "backend", cause.toString(), cause);
        }
        closeBoth();
    }

    private void fail(String what, RuntimeException e) {
        rt.counters().errors.increment();
        LOG.warn("service {}: {} failed; closing the client", service.label(), what, e);
        client.close();
    }

    private void closeBoth() {
        client.close();
        Channel s = server;
        if (s != null) {
            s.close();
        }
    }

    // ---- tear-down ----------------------------------------------------------------------------------------------

    private void clientClosed() {
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early.clear();
        }
        Channel s = server;
        if (s != null && !wired) {
            s.close(); // still connecting: cancel it
        }
        maybeFinished();
    }

    private void maybeFinished() {
        if (!finished && !client.isOpen() && (attempt == null || attempt.ended)) {
            finished = true;
            rt.flows().closed();
        }
    }

    @Override
    public void abort() {
        try {
            client.eventLoop().execute(() -> {
                aborted = true;
                closeBoth();
            });
        } catch (RejectedExecutionException e) {
            closeBoth(); // the loop is shutting down and closes its channels itself
        }
    }

    @Override
    public boolean datagram() {
        return false;
    }

    @Override
    public long pendingBytes() {
        return pending(client) + pending(server);
    }

    private static long pending(Channel ch) {
        ChannelOutboundBuffer out = ch == null ? null : ch.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }
}
