package io.lb4j.engine.proxy;

import io.lb4j.api.TcpKeepAlive;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sets a service's {@link TcpKeepAlive} on one proxied socket (client or backend side). {@code SO_KEEPALIVE} is a
 * standard option every transport sets. The three timers are not: on epoll they are Netty's
 * {@link EpollChannelOption#TCP_KEEPIDLE} and friends, on io_uring {@link IoUringChannelOption#TCP_KEEPIDLE} and
 * friends; on NIO they are the JDK's
 * {@link ExtendedSocketOptions#TCP_KEEPIDLE}, {@code TCP_KEEPINTERVAL} and {@code TCP_KEEPCOUNT} through
 * {@link NioChannelOption}, which the JDK supports on Linux and macOS but not on every platform. Where a timer cannot
 * be set the socket still probes, on the OS's timers (Linux: 2 h idle, 75 s interval, 9 probes), and the engine logs
 * that once rather than per connection. Stateless apart from that one-time warning; thread-safe.
 */
final class KeepAlive {

    private static final Logger LOG = LoggerFactory.getLogger(KeepAlive.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private KeepAlive() {
    }

    /**
     * Sets {@code keepAlive} on {@code ch}, a socket channel that is open (registered or not). Never throws: a socket
     * that cannot take an option is still a working connection, so a failure is logged (once) instead.
     */
    static void apply(Channel ch, TcpKeepAlive keepAlive) {
        ChannelConfig config = ch.config();
        try {
            config.setOption(ChannelOption.SO_KEEPALIVE, keepAlive.enabled());
            if (!keepAlive.enabled()) {
                return;
            }
            boolean all;
            if (ch instanceof EpollSocketChannel) {
                all = config.setOption(EpollChannelOption.TCP_KEEPIDLE, keepAlive.idleSeconds())
                        & config.setOption(EpollChannelOption.TCP_KEEPINTVL, keepAlive.intervalSeconds())
                        & config.setOption(EpollChannelOption.TCP_KEEPCNT, keepAlive.count());
            } else if (ch instanceof IoUringSocketChannel) {
                all = config.setOption(IoUringChannelOption.TCP_KEEPIDLE, keepAlive.idleSeconds())
                        & config.setOption(IoUringChannelOption.TCP_KEEPINTVL, keepAlive.intervalSeconds())
                        & config.setOption(IoUringChannelOption.TCP_KEEPCNT, keepAlive.count());
            } else {
                // NioChannelOption answers false for an option the JDK does not support on this platform.
                all = config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), keepAlive.idleSeconds())
                        & config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL),
                        keepAlive.intervalSeconds())
                        & config.setOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), keepAlive.count());
            }
            if (!all) {
                warnOnce("this platform's " + ch.getClass().getSimpleName() + " cannot set the keepalive timers; the"
                        + " OS's own apply", null);
            }
        } catch (RuntimeException e) {
            warnOnce("setting TCP keepalive failed (" + e + "); connections go on without the configured keepalive", e);
        }
    }

    private static void warnOnce(String message, Throwable cause) {
        if (WARNED.compareAndSet(false, true)) {
            LOG.warn("proxy engine: {} (logged once)", message, cause);
        }
    }
}
