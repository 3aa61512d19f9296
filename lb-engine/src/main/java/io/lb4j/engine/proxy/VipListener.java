package io.lb4j.engine.proxy;

import io.lb4j.api.TcpKeepAlive;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

/** A bound VIP port of a service: a Netty server or datagram channel, or the io_uring relay's {@link UringListener}. */
interface VipListener {

    /** Stops accepting and closes the socket; the future completes once it is closed. */
    Future<?> closeListener();

    /**
     * Sets {@code keepAlive} where the sockets this listener accepts inherit it; {@code false} when it cannot, and
     * each connection sets its own.
     */
    boolean keepAliveForAccepted(TcpKeepAlive keepAlive);

    /** A Netty channel's. */
    record OfChannel(Channel channel) implements VipListener {

        @Override
        public Future<?> closeListener() {
            return channel.close();
        }

        @Override
        public boolean keepAliveForAccepted(TcpKeepAlive keepAlive) {
            return KeepAlive.applyToListener(channel, keepAlive);
        }
    }
}
