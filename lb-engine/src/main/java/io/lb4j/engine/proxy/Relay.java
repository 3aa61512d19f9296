package io.lb4j.engine.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/** The handler on each side of a {@link TcpPair}: turns channel events into calls on the pair, naming the side. */
final class Relay extends ChannelInboundHandlerAdapter {

    private final TcpPair pair;
    private final boolean clientSide;

    Relay(TcpPair pair, boolean clientSide) {
        this.pair = pair;
        this.clientSide = clientSide;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (clientSide) {
            pair.clientActive();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        pair.read(clientSide, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        pair.readComplete(clientSide);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        pair.writabilityChanged(clientSide);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            pair.inputShutdown(clientSide);
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pair.inactive(clientSide);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        pair.exception(clientSide, cause);
    }
}
