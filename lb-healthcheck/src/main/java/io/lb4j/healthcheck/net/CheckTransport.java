package io.lb4j.healthcheck.net;

import io.lb4j.api.spi.TaskClock;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.lb4j.linux.NativeAccess;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The event loop that health-check connections run on: one small loop serves thousands of targets, since an
 * attempt only waits for bytes and never blocks. Epoll where available (Linux), NIO elsewhere. On an epoll loop a
 * connect-only check is a bare socket on the loop ({@link EpollConnectProbe}; it needs native access for lb-linux),
 * not a channel; elsewhere it is a channel, and the first transport to fall back says so once in the log.
 *
 * <p>{@link #shared()} is created on first use with one daemon thread and lives as long as the JVM; embedders that
 * manage their own Netty loop pass it to {@link #of(EventLoopGroup, Class)}. Thread-safe. Not part of the public
 * API: used by the strategies in {@code io.lb4j.healthcheck}.
 */
public final class CheckTransport {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CheckTransport.class);
    /** The fallback to channels is said once per JVM, not per transport. */
    private static final java.util.concurrent.atomic.AtomicBoolean FALLBACK_LOGGED = new java.util.concurrent.atomic.AtomicBoolean();

    private static final class Shared {
        static final CheckTransport INSTANCE = create(1);
    }

    /** Distinct connect timeouts cached at most; more are built per call (a misuse, but never a leak). */
    private static final int MAX_CACHED_BOOTSTRAPS = 64;

    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelType;
    private final ConcurrentMap<Integer, Bootstrap> connectOnly = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, Bootstrap> connectOnlyV6 = new ConcurrentHashMap<>();
    /** Whether connect checks run as bare sockets on the loop's epoll ({@link EpollConnectProbe}). */
    private final boolean bareProbes;
    /** The loops, to find the calling thread's own. */
    private final EventLoop[] loops;
    /** Per loop, the bare probes' deadlines (used on that loop only). */
    private final ConcurrentMap<EventLoop, ProbeDeadlines> deadlines = new ConcurrentHashMap<>();

    private CheckTransport(EventLoopGroup group, Class<? extends SocketChannel> channelType) {
        this.group = Objects.requireNonNull(group, "group");
        this.channelType = Objects.requireNonNull(channelType, "channelType");
        List<EventLoop> all = new ArrayList<>();
        group.forEach(e -> all.add((EventLoop) e));
        this.loops = all.toArray(EventLoop[]::new);
        boolean epollLoop = Epoll.isAvailable() && group.next() instanceof IoEventLoop loop
                && loop.isCompatible(EpollIoHandle.class);
        this.bareProbes = epollLoop && NativeAccess.enabled();
        if (!bareProbes && FALLBACK_LOGGED.compareAndSet(false, true)) {
            LOG.info("health checks: connect checks use a Netty channel each ({}): {}", channelType.getSimpleName(),
                    epollLoop ? NativeAccess.howToEnable() + ", which the bare connect probe needs"
                            : Epoll.isAvailable() ? "the check loop is not an epoll loop"
                            : "Netty's native epoll transport is not available here: " + Epoll.unavailabilityCause());
        }
    }

    /** The JVM-wide check loop: one daemon thread, epoll if available. */
    public static CheckTransport shared() {
        return Shared.INSTANCE;
    }

    /** A new loop with {@code threads} daemon threads; the caller shuts it down with {@link #shutdown()}. */
    public static CheckTransport create(int threads) {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("lb4j-check", true), io);
        return new CheckTransport(group, epoll ? EpollSocketChannel.class : NioSocketChannel.class);
    }

    /** Runs on a loop the caller owns; {@code channelType} must match its transport. */
    public static CheckTransport of(EventLoopGroup group, Class<? extends SocketChannel> channelType) {
        return new CheckTransport(group, channelType);
    }

    /** A client bootstrap on this loop with the given connect timeout (at least 1 ms). */
    public Bootstrap bootstrap(Duration connectTimeout) {
        long ms = Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        return new Bootstrap().group(group).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) ms)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, false);
    }

    /** Connect-only checks read nothing: anything the peer sends is dropped, an error closes the channel. */
    @ChannelHandler.Sharable
    private static final class DiscardHandler extends ChannelInboundHandlerAdapter {

        static final DiscardHandler INSTANCE = new DiscardHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * The bootstrap for connect-only checks to {@code remote} with the given connect timeout (at least 1 ms): built
     * once per timeout and address family and shared, since nothing in it varies per attempt. Its channels read
     * nothing and close with {@code SO_LINGER 0}: an RST instead of FIN, FIN-ACK and a TIME_WAIT socket per check, as
     * HAProxy does.
     */
    Bootstrap connectOnlyBootstrap(Duration connectTimeout, InetSocketAddress remote) {
        int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
        boolean v6 = remote.getAddress() instanceof Inet6Address;
        ConcurrentMap<Integer, Bootstrap> cache = v6 ? connectOnlyV6 : connectOnly;
        Bootstrap b = cache.get(ms);
        if (b == null) {
            // Only what a connect needs, each option being a system call per check: no TCP_NODELAY (nothing is
            // written; Netty sets it by default anyway), no SO_KEEPALIVE (off by default). No auto-read: nothing is
            // read, and NettyNetwork closes a task after the connect completes; auto-read would spend an epoll_ctl
            // in between asking for input.
            b = new Bootstrap().group(group)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, ms)
                    .option(ChannelOption.SO_LINGER, 0)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(DiscardHandler.INSTANCE);
            if (channelType == EpollSocketChannel.class && !remote.isUnresolved()) {
                // A socket of the target's own family, made directly: Netty's default is a dual-stack IPv6 socket
                // (one more setsockopt, IPV6_V6ONLY, per check) made by reflection.
                SocketProtocolFamily family = v6 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
                b.channelFactory(() -> new EpollSocketChannel(family));
            } else {
                b.channel(channelType);
            }
            if (cache.size() < MAX_CACHED_BOOTSTRAPS && !remote.isUnresolved()) {
                Bootstrap raced = cache.putIfAbsent(ms, b);
                b = raced != null ? raced : b;
            }
        }
        return b;
    }

    /**
     * Connects to the resolved {@code remote} as a bare socket on one of this transport's loops, or returns
     * {@code null} when this transport cannot (no epoll: the caller uses a channel). On the calling thread when it is
     * one of the loops, so that checks started by a loop clock stay on that loop.
     */
    java.util.concurrent.CompletableFuture<Void> bareConnect(InetSocketAddress remote, Duration timeout) {
        if (!bareProbes || remote.isUnresolved()) {
            return null;
        }
        EventLoop loop = currentLoop();
        return EpollConnectProbe.start((IoEventLoop) loop, deadlines.computeIfAbsent(loop, ProbeDeadlines::new),
                remote, timeout);
    }

    private EventLoop currentLoop() {
        for (EventLoop e : loops) {
            if (e.inEventLoop()) {
                return e;
            }
        }
        return group.next();
    }

    /**
     * A new {@link TaskClock} whose timer is one of this transport's loops: health checks scheduled on it start,
     * time out and connect on the same thread. Closing the clock leaves the loop running.
     */
    public EventLoopClock newClock() {
        return new EventLoopClock(group.next());
    }

    /** The loop, e.g. to schedule on it. */
    public EventLoopGroup group() {
        return group;
    }

    /** Stops the loop; for loops made with {@link #create(int)}. */
    public void shutdown() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "CheckTransport[" + (bareProbes ? "epoll, bare connect probes" : channelType.getSimpleName()) + "]";
    }
}
