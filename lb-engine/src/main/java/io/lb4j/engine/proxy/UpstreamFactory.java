package io.lb4j.engine.proxy;

import io.netty.channel.Channel;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannelConfig;

import java.util.function.Supplier;

/**
 * Makes the unregistered channel of each connection to a backend, with the engine's options set. Used instead of
 * cloning a {@code Bootstrap} per connection: a clone copies its option and attribute maps every time, and
 * {@code Bootstrap.connect} issues the connect as a separate event-loop task, after the rest of the current I/O batch,
 * where {@link TcpPair} issues it at once. Immutable, thread-safe.
 */
final class UpstreamFactory {

    private final Supplier<Channel> channels;
    private final int connectTimeoutMillis;
    private final WriteBufferWaterMark waterMark;
    private final RecvByteBufAllocator readAllocator;
    private final int receiveBuffer;

    UpstreamFactory(Supplier<Channel> channels, int connectTimeoutMillis, WriteBufferWaterMark waterMark,
                    RecvByteBufAllocator readAllocator, int receiveBuffer) {
        this.channels = channels;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.waterMark = waterMark;
        this.readAllocator = readAllocator;
        this.receiveBuffer = receiveBuffer;
    }

    /**
     * A new, unregistered socket channel: not reading on its own, half-closable, TCP_NODELAY (Netty's socket
     * channels set that themselves on construction; setting it again was one more system call per connection).
     */
    Channel newChannel() {
        Channel ch = channels.get();
        SocketChannelConfig config = (SocketChannelConfig) ch.config();
        config.setConnectTimeoutMillis(connectTimeoutMillis);
        config.setAutoRead(false);
        config.setAllowHalfClosure(true);
        config.setWriteBufferWaterMark(waterMark);
        config.setRecvByteBufAllocator(readAllocator);
        if (receiveBuffer > 0) {
            config.setReceiveBufferSize(receiveBuffer);
        }
        return ch;
    }
}
