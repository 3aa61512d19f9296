package io.lb4j.healthcheck.net;

import io.lb4j.api.spi.Network;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The real network for health checks: TCP connects on a small Netty event loop ({@link CheckTransport}), with no
 * thread per connection.
 *
 * <p>{@link #connect} completes once the three-way handshake is done and then closes the connection; it completes
 * exceptionally with an {@link java.io.IOException} whose message is the reason an operator reads:
 * {@code "connection refused"}, {@code "timed out after 5s"}, {@code "no route to host"}. Thread-safe; never blocks
 * the caller. Cancelling the returned future closes the connection attempt. The connection is closed with
 * {@code SO_LINGER 0} (SYN, SYN-ACK, ACK, RST, as HAProxy's connect checks): no FIN exchange and no TIME_WAIT
 * socket per check. On an epoll loop (Linux) a connect is a bare socket on the loop's epoll, not a channel
 * ({@link EpollConnectProbe}): half the system calls; elsewhere, and for unresolved addresses, a Netty channel. Called on the check loop (a {@link CheckTransport#newClock()} clock), the whole connect runs
 * on that thread without a hand-off.
 */
public final class NettyNetwork implements Network {

    private final CheckTransport transport;

    private NettyNetwork(CheckTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
    }

    /** On the JVM-wide check loop. */
    public static NettyNetwork create() {
        return new NettyNetwork(CheckTransport.shared());
    }

    /** On the given loop. */
    public static NettyNetwork on(CheckTransport transport) {
        return new NettyNetwork(transport);
    }

    @Override
    public CompletionStage<Void> connect(InetSocketAddress remote, Duration timeout) {
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(timeout, "timeout");
        java.util.concurrent.CompletableFuture<Void> bare = transport.bareConnect(remote, timeout);
        if (bare != null) {
            return bare;
        }
        Attempt done = new Attempt(timeout);
        ChannelFuture f;
        try {
            // Shared bootstrap and handler: nothing is read, the check only proves the port accepts.
            f = transport.connectOnlyBootstrap(timeout, remote).connect(remote);
        } catch (RuntimeException e) {
            done.completeExceptionally(new java.io.IOException(Reasons.describe(e, timeout), e));
            return done;
        }
        done.channel = f.channel();
        if (done.isCancelled()) {
            f.channel().close(); // cancelled while the connect was being started
        }
        f.addListener(done);
        return done;
    }

    /**
     * One connect: the future the caller gets and the listener of Netty's connect in one object. Cancelling it (the
     * monitor's timeout passed) closes the socket at once instead of waiting for the connect timeout, so a lagging
     * event loop cannot pile up sockets.
     */
    private static final class Attempt extends CompletableFuture<Void> implements ChannelFutureListener, Runnable {

        private final Duration timeout;
        private volatile Channel channel;

        Attempt(Duration timeout) {
            this.timeout = timeout;
        }

        @Override
        public void operationComplete(ChannelFuture cf) {
            if (cf.isSuccess()) {
                // Closed by a task right after this one, not here: Netty calls us while it is still finishing the
                // connect, and a close from inside that fails its pending connect promise with a new
                // ClosedChannelException, stack trace and all, per check. Same loop, same iteration.
                try {
                    cf.channel().eventLoop().execute(this);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    run(); // the loop is shutting down: close now, as before
                }
            } else {
                completeExceptionally(new java.io.IOException(Reasons.describe(cf.cause(), timeout), cf.cause()));
            }
        }

        /** Connected: close (SO_LINGER 0: an RST, no TIME_WAIT), then report success. */
        @Override
        public void run() {
            channel.close();
            complete(null);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            Channel c = channel;
            if (c != null && isCancelled()) {
                c.close();
            }
            return cancelled;
        }
    }

    @Override
    public String toString() {
        return "NettyNetwork[" + transport + "]";
    }
}
