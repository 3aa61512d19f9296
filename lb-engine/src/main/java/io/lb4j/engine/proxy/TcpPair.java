package io.lb4j.engine.proxy;

import io.lb4j.api.ProxyProtocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.NotYetConnectedException;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;

/**
 * One proxied TCP connection: the accepted client channel and the channel to the backend, on the same event loop so
 * that everything below runs on one thread without locks. Only {@link #abort()}, {@link #pendingBytes()} and the
 * clock's idle-check task (which hops onto the loop) run on other threads.
 *
 * <p>Life: route, connect (retry once on the next candidate), relay both ways with back-pressure and half-close,
 * close. Each backend slot taken by routing is released exactly once, by {@link Attempt#end()}; the service's
 * {@code maxConnections} slot, taken on accept, once when the pair finishes.
 *
 * <p>Idle timeouts: a side is active when bytes are read from it or handed to its socket. Reads are stamped with the
 * balancer's clock once per read batch; a write that the socket took whole stamps the destination at once, and one
 * that had to wait is seen at the next idle check or writability change (so expiry may come up to one check later
 * than exact for a side that is being drained slowly, never earlier). The checks are passes of the event
 * loop's {@link IdleSweeper}, so expiry may also come up to one sweep period late.
 */
final class TcpPair extends TcpFlow {

    private static final Logger LOG = LoggerFactory.getLogger(TcpPair.class);
    private static final int MAX_ATTEMPTS = 2;

    private final int vipPort;
    private final Channel client;
    private volatile Channel server; // the current attempt's channel; volatile for the pendingBytes gauge
    private Attempt attempt;
    private int attempts;
    private boolean wired;
    private boolean aborted;
    private boolean clientToServerDone;
    private boolean serverToClientDone;
    private boolean finished;
    // Epoll reads a client's data and FIN even with autoRead off once the client half-closed: keep them until the
    // backend is connected. Bounded by what the kernel had buffered for this socket, as no more can follow a FIN.
    private ArrayDeque<Object> early;
    private boolean earlyFin;
    // The service's client-address options as of this connection's routing: a newer table changes new connections.
    private boolean transparent;
    private boolean proxyHeader;
    private long writtenToClient; // bytes written into each side's channel, flushed or not
    private long writtenToServer;
    private long clientFlushedMark; // bytes known handed to each side's socket as of its activity stamp
    private long serverFlushedMark;
    private boolean readFromClient; // bytes read from the side since its last readComplete
    private boolean readFromServer;

    TcpPair(EngineRuntime rt, ServiceHandle service, int vipPort, Channel client) {
        super(rt, service);
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
        VirtualService spec = service.table().service();
        if (!admit(spec)) {
            client.close();
            return;
        }
        if (!keepAlive.equals(service.listenerKeepAlive())) {
            KeepAlive.apply(client, keepAlive); // the listener's, inherited, is another
        }
        transparent = spec.preserveClientAddress();
        proxyHeader = spec.proxyProtocol() == ProxyProtocol.V2;
        Backend b = route(((InetSocketAddress) client.remoteAddress()).getAddress());
        if (b == null) {
            client.close();
            return;
        }
        connect(b);
    }

    private void refuse() {
        countRefused();
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
            // The backend socket's keepalive waits for the sweeper's first pass (see startSweeping): a fresh socket
            // has none, which is also what a disabled one wants.
            keepAlivePending = keepAlive.enabled();
            ch.pipeline().addLast(new Relay(this, false));
            if (transparent) {
                ClientAddress.makeTransparent(ch);
            }
            if (proxyHeader) {
                ProxyHeader.prepare(ch);
            }
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
        InetSocketAddress target = b.target(vipPort);
        ChannelFuture f;
        if (transparent) {
            InetSocketAddress from = (InetSocketAddress) client.remoteAddress();
            InetSocketAddress source = ClientAddress.source(from, target);
            if (source == null) {
                // Refused rather than made from the balancer's address, which the real server must not trust:
                // counted and retried as a failed connect.
                ch.close();
                connected(a, ch.newFailedFuture(ClientAddress.familyMismatch(from, target)));
                return;
            }
            f = ch.connect(target, source);
        } else {
            f = ch.connect(target);
        }
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
            if (proxyHeader) {
                // First on the wire: nothing of the client's has been written yet (its reads wait for wired).
                try {
                    ProxyHeader.write(f.channel(), (InetSocketAddress) client.remoteAddress(),
                            (InetSocketAddress) client.localAddress());
                } catch (RuntimeException e) {
                    f.channel().close();
                    fail("PROXY header", e);
                    return;
                }
            }
            wired = true;
            startSweeping(client.eventLoop());
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
                next = service.retryCandidate(a.backend);
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
            int n = buf.readableBytes();
            rt.counters().bytes(fromClient, n);
            attempt.backend.addBytes(fromClient, n); // wired: the attempt is the connected backend's
            if (fromClient) {
                writtenToServer += n;
                readFromClient = true;
            } else {
                writtenToClient += n;
                readFromServer = true;
            }
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
            if (idleTracked && (fromClient ? readFromClient : readFromServer)) {
                stampAfterRead(fromClient, dst);
            }
        }
    }

    /** {@code ch}'s writability changed: let its peer, which writes into it, read again once it drained. */
    void writabilityChanged(boolean clientSide) {
        Channel ch = clientSide ? client : server;
        if (idleTracked && ch != null && ch.isWritable()) {
            stampFlushProgress(clientSide, rt.clock().nanoTime()); // it drained: the peer is reading
        }
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
            shutdownOutput(dst, fromClient);
        });
    }

    /**
     * Sends {@code dst} its FIN, everything written to it being in its kernel buffer already. On the native
     * transports this is the socket's own {@code shutdown(SHUT_WR)}, which Netty's channel reads its output state
     * from: Netty's {@code shutdownOutput()} builds an exception with a stack trace for every call (to fail writes
     * that are pending, of which there are none here), a measured 2% of the proxy's CPU on short connections.
     */
    private void shutdownOutput(Channel dst, boolean fromClient) {
        if (dst instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
            if (!sendFin(socket)) {
                closeBoth();
                return;
            }
            outputShutdown(dst, fromClient);
            return;
        }
        ((DuplexChannel) dst).shutdownOutput().addListener(g -> {
            if (g.isSuccess()) {
                outputShutdown(dst, fromClient);
            } else {
                closeBoth();
            }
        });
    }

    /**
     * {@code shutdown(SHUT_WR)} on a native socket; {@code false} when the socket is gone: closed, or reset by its
     * peer before this FIN arrived ({@code ENOTCONN}, which Netty throws unchecked, as
     * {@link NotYetConnectedException}). A client that exits mid-response does that: its reset and the backend's FIN
     * can complete in the same batch of events, the FIN first.
     */
    static boolean sendFin(Socket socket) {
        try {
            socket.shutdown(false, true);
            return true;
        } catch (IOException | NotYetConnectedException e) {
            return false;
        }
    }

    private void outputShutdown(Channel dst, boolean fromClient) {
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
            finish();
        }
    }

    // ---- idle timeouts (on the client's event loop, like everything above) ----------------------------------------

    /** After a read batch from one side was flushed on: that side was active, and so was the other if it took all. */
    private void stampAfterRead(boolean fromClient, Channel dst) {
        long now = rt.clock().nanoTime();
        if (fromClient) {
            readFromClient = false;
            clientActiveAt = now;
        } else {
            readFromServer = false;
            serverActiveAt = now;
        }
        if (pending(dst) == 0) {
            if (fromClient) {
                serverActiveAt = now;
                serverFlushedMark = writtenToServer;
            } else {
                clientActiveAt = now;
                clientFlushedMark = writtenToClient;
            }
        }
    }

    /** Stamps {@code clientSide}'s side active at {@code now} if its socket took bytes since the last stamp. */
    private void stampFlushProgress(boolean clientSide, long now) {
        Channel ch = clientSide ? client : server;
        long flushed = (clientSide ? writtenToClient : writtenToServer) - pending(ch);
        if (clientSide && flushed > clientFlushedMark) {
            clientFlushedMark = flushed;
            clientActiveAt = now;
        } else if (!clientSide && flushed > serverFlushedMark) {
            serverFlushedMark = flushed;
            serverActiveAt = now;
        }
    }

    @Override
    boolean done() {
        return finished || !client.isOpen();
    }

    @Override
    void applyBackendKeepAlive() {
        Channel s = server;
        if (s != null && s.isActive()) {
            KeepAlive.apply(s, keepAlive);
        }
    }

    /** A write that had to wait is seen here: bytes each socket took since the last stamp stamp its side. */
    @Override
    void beforeIdleCheck(long now) {
        stampFlushProgress(true, now);
        stampFlushProgress(false, now);
    }

    @Override
    void closeIdle() {
        closeBoth();
    }

    /**
     * Resets both sides (Halt, a server marked down under {@code onDown: close}, uninstall, the end of a stop's
     * grace): a reset, not a FIN, because the client must not take the cut for an orderly end of the server's
     * answer, and a FIN to a hung server would hold the socket in FIN-WAIT for as long as the server does not read.
     */
    @Override
    public void abort() {
        try {
            client.eventLoop().execute(() -> {
                aborted = true;
                resetOnClose(client);
                resetOnClose(server);
                closeBoth();
            });
        } catch (RejectedExecutionException e) {
            closeBoth(); // the loop is shutting down and closes its channels itself
        }
    }

    /** SO_LINGER 0: the close that follows sends a RST and discards what the kernel still holds. */
    private static void resetOnClose(Channel ch) {
        if (ch != null && ch.isOpen()) {
            try {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (ChannelException e) {
                LOG.debug("cannot set SO_LINGER 0 on {}; it closes with a FIN", ch, e); // closed meanwhile
            }
        }
    }

    @Override
    public boolean datagram() {
        return false;
    }

    /** The client's channel; for the tests of this package, which read its options. */
    Channel clientChannel() {
        return client;
    }

    /** The current backend channel, or {@code null} before the first connect; for the tests of this package. */
    Channel serverChannel() {
        return server;
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
