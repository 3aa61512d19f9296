package io.lb4j.healthcheck.net;

import io.lb4j.api.spi.Network;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

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
 * the caller. Cancelling the returned future closes the connection attempt.
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
        CompletableFuture<Void> done = new CompletableFuture<>();
        ChannelFuture f;
        try {
            f = transport.bootstrap(timeout)
                    // Nothing is read: the check only proves the port accepts. The handler drops anything sent.
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            io.netty.util.ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            ctx.close();
                        }
                    })
                    .connect(remote);
        } catch (RuntimeException e) {
            done.completeExceptionally(new java.io.IOException(Reasons.describe(e, timeout), e));
            return done;
        }
        // A cancelled attempt (the monitor's timeout passed) closes its socket at once instead of waiting for the
        // connect timeout, so a lagging event loop cannot pile up sockets.
        done.whenComplete((v, e) -> {
            if (done.isCancelled()) {
                f.channel().close();
            }
        });
        f.addListener((ChannelFutureListener) cf -> {
            if (cf.isSuccess()) {
                cf.channel().close();
                done.complete(null);
            } else {
                done.completeExceptionally(new java.io.IOException(Reasons.describe(cf.cause(), timeout), cf.cause()));
            }
        });
        return done;
    }

    @Override
    public String toString() {
        return "NettyNetwork[" + transport + "]";
    }
}
