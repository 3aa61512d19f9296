package io.lb4j.healthcheck.net;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.spi.Cancellable;
import io.lb4j.api.spi.TaskClock;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Opens one check connection, lets a {@link ProbeHandler} talk, and guarantees the connection is closed by the
 * attempt's deadline whatever the peer does. The deadline is scheduled on the balancer's {@link TaskClock}, like
 * every wait in lb4j. Not part of the public API.
 */
public final class ProbeConnector {

    private ProbeConnector() {
    }

    /**
     * Connects to {@code remote}; {@code pipeline} adds codecs and finally {@code handler} to the new channel.
     *
     * @return the handler's verdict, never completed exceptionally
     */
    public static CompletableFuture<CheckResult> run(CheckTransport transport, TaskClock clock, InetSocketAddress remote,
                                                     Duration timeout, ProbeHandler handler,
                                                     Consumer<SocketChannel> pipeline) {
        ChannelFuture connect;
        try {
            connect = transport.bootstrap(timeout).handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    pipeline.accept(ch);
                }
            }).connect(remote);
        } catch (RuntimeException e) {
            handler.decide(CheckResult.failed(Reasons.describe(e, timeout)));
            return handler.result();
        }
        Channel channel = connect.channel();
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                handler.decide(CheckResult.failed(Reasons.describe(f.cause(), timeout)));
            }
        });
        Cancellable deadline = clock.schedule(timeout, () -> {
            handler.timedOut();
            channel.close();
        });
        channel.closeFuture().addListener(f -> deadline.cancel());
        CompletableFuture<CheckResult> result = handler.result();
        // The monitor cancels an attempt it has given up on: the connection must not outlive it.
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                channel.close();
            }
        });
        return result;
    }
}
