package io.lb4j.engine.proxy;

import io.lb4j.api.TcpKeepAlive;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.StreamSocket;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.UnixChannel;
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
    // Linux's numbers (socket.h, tcp.h), for options Netty's server-socket configs do not name.
    private static final int SOL_SOCKET = 1;
    private static final int SO_KEEPALIVE = 9;
    private static final int IPPROTO_TCP = 6;
    private static final IntegerUnixChannelOption LISTENER_KEEPALIVE =
            new IntegerUnixChannelOption("SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE);
    private static final IntegerUnixChannelOption LISTENER_KEEPIDLE =
            new IntegerUnixChannelOption("TCP_KEEPIDLE", IPPROTO_TCP, 4);
    private static final IntegerUnixChannelOption LISTENER_KEEPINTVL =
            new IntegerUnixChannelOption("TCP_KEEPINTVL", IPPROTO_TCP, 5);
    private static final IntegerUnixChannelOption LISTENER_KEEPCNT =
            new IntegerUnixChannelOption("TCP_KEEPCNT", IPPROTO_TCP, 6);

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

    /** {@link #apply(Channel, TcpKeepAlive)} for a socket of the io_uring relay, by descriptor; never throws. */
    static void apply(int fd, TcpKeepAlive keepAlive) {
        try {
            StreamSocket.keepAlive(fd, keepAlive.enabled(), keepAlive.idleSeconds(), keepAlive.intervalSeconds(),
                    keepAlive.count());
        } catch (LinuxException e) {
            warnOnce("setting TCP keepalive failed (" + e.getMessage() + "); connections go on without the configured"
                    + " keepalive", e);
        }
    }

    /** {@link #applyToListener(Channel, TcpKeepAlive)} for a listener of the io_uring relay, by descriptor. */
    static boolean applyToListener(int fd, TcpKeepAlive keepAlive) {
        try {
            StreamSocket.keepAlive(fd, keepAlive.enabled(), keepAlive.idleSeconds(), keepAlive.intervalSeconds(),
                    keepAlive.count());
            return true;
        } catch (LinuxException e) {
            LOG.debug("proxy engine: keepalive on listener fd {} not set ({}); set per connection instead", fd,
                    e.getMessage());
            return false;
        }
    }

    /**
     * Sets {@code keepAlive} on a listening socket, whose accepted sockets inherit it on Linux (the option and the
     * three timers are copied with the rest of the listener's TCP state), so that no accepted connection needs
     * system calls of its own for it: 4 per connection, a measured 5% of the proxy's CPU on short connections. Only
     * the native transports can set the timers on a listener ({@link IntegerUnixChannelOption}); answers whether it
     * was set, {@code false} on NIO or on failure, when each accepted socket must be set by {@link #apply}.
     */
    static boolean applyToListener(Channel listener, TcpKeepAlive keepAlive) {
        if (!(listener instanceof UnixChannel)) {
            return false;
        }
        ChannelConfig config = listener.config();
        try {
            boolean all = config.setOption(LISTENER_KEEPALIVE, keepAlive.enabled() ? 1 : 0);
            if (keepAlive.enabled()) {
                all = all && config.setOption(LISTENER_KEEPIDLE, keepAlive.idleSeconds())
                        && config.setOption(LISTENER_KEEPINTVL, keepAlive.intervalSeconds())
                        && config.setOption(LISTENER_KEEPCNT, keepAlive.count());
            }
            return all;
        } catch (RuntimeException e) {
            LOG.debug("proxy engine: keepalive on listener {} not set ({}); set per connection instead", listener,
                    e.toString());
            return false;
        }
    }

    private static void warnOnce(String message, Throwable cause) {
        if (WARNED.compareAndSet(false, true)) {
            LOG.warn("proxy engine: {} (logged once)", message, cause);
        }
    }
}
