package io.lb4j.engine.proxy;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.Protocol;
import io.lb4j.api.ProxyProtocol;
import io.lb4j.api.TcpKeepAlive;
import io.lb4j.api.VirtualService;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.EngineContext;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.api.status.ServiceCounters;
import io.lb4j.linux.LinuxException;
import io.lb4j.linux.NativeAccess;
import io.lb4j.linux.StreamSocket;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The default forwarding engine: a user-space TCP and UDP proxy on Netty that needs no root. For every port of a
 * {@link VirtualService#proxy() proxy} service it listens on the VIP, picks a backend per new connection from the
 * service's current {@link RoutingTable}, opens its own connection to that backend and relays bytes both ways.
 *
 * <pre>{@code
 * ForwardingEngine engine = ProxyEngine.builder()
 *     .ioThreads(4)
 *     .connectTimeout(Duration.ofSeconds(2))
 *     .build();
 * LoadBalancer lb = LoadBalancer.builder().engine(engine).service(pacs).build();
 * }</pre>
 *
 * <p>What it guarantees:
 * <ul>
 *   <li><b>Transport:</b> the fastest available here by default ({@link Transport#AUTO}: io_uring, else epoll,
 *       else Java NIO); {@link Builder#transport(Transport)} picks one, {@link Transport#NIO} forces Java NIO. Every
 *       transport relays the same bytes with the guarantees below. On epoll, Netty 4.2.18 deletes a socket from the
 *       epoll set when it wants no events (a half-closed, drained connection) but keeps treating it as added, so
 *       the next wait for writability would fail ({@code epoll_ctl(..) ENOENT}) and shut the output down
 *       mid-stream; the engine keeps such sockets in the epoll set instead (nothing changes in what the kernel
 *       reports). After a peer's FIN, epoll also drains the socket regardless of back-pressure (bounded by the
 *       kernel receive buffer, see {@link Builder#socketReceiveBuffer(int)}).</li>
 *   <li><b>Routing:</b> one lock-free read of the newest installed table per new connection (per new UDP
 *       session); a newer table never touches established connections. The backend's connection slot taken by
 *       {@link RoutingTable#route(long)} is released exactly once, when the connection (or session) ends, so the
 *       {@link Backend} counters are what the control plane reports as live connections.</li>
 *   <li><b>Connect failure:</b> the failed backend's slot is released and the connection is retried once on the
 *       next candidate (the table's choice, or, when that is the same server again, the next real server in
 *       configured order and then the fallback); if that fails too the client is closed.</li>
 *   <li><b>Back-pressure:</b> each direction of a connection stops reading from its source while its destination
 *       holds more than {@link Builder#maxPendingBytes(int) maxPendingBytes} unflushed after handing the socket
 *       what it takes at once, and resumes below half of it. Writes are otherwise flushed once per read batch
 *       ({@code channelReadComplete}), not per read. The engine therefore never buffers more than
 *       {@code maxPendingBytes} plus one read (at most {@value #MAX_READ_BYTES} bytes) per connection and direction,
 *       however slowly a peer reads.</li>
 *   <li><b>Half-close:</b> a FIN from one side is passed on (after everything before it) as a FIN to the other;
 *       the connection closes when both directions have finished, or at once when either side resets. The second
 *       FIN of a connection is passed on by closing the socket (which sends it) rather than by shutting its output
 *       down first: same bytes on the wire, without the exception Netty builds per output shutdown.</li>
 *   <li><b>Splice:</b> off. Netty's {@code spliceTo} bypasses the outbound buffer (so the back-pressure bound and
 *       byte counters above would not hold), needs both channels on one loop in level-triggered mode and has no
 *       half-close; the copy through pooled buffers is kept until a splice path can keep these guarantees.</li>
 *   <li><b>UDP:</b> one upstream socket per client address and VIP port (a session), replies sent back to the
 *       client from the VIP socket, sessions closed after {@link Builder#udpIdleTimeout(Duration) udpIdleTimeout}
 *       without traffic, measured on the balancer's {@link TaskClock}.</li>
 *   <li><b>PROXY protocol:</b> for a service with {@link VirtualService#proxyProtocol() proxyProtocol}
 *       {@link io.lb4j.api.ProxyProtocol#V2 V2}, each connection to a real server starts with a PROXY v2 header
 *       (client address and port as source, VIP and port as destination), written and flushed as soon as the
 *       connection is up and before any byte of the client's; back-pressure, half-close and the byte counters
 *       (which count the client's bytes only) are as above.</li>
 *   <li><b>Client's address:</b> for a service that {@link VirtualService#preserveClientAddress() preserves the
 *       client's address}, each connection to a real server gets {@code IP_TRANSPARENT} and binds to the client's
 *       IP with an ephemeral port (HAProxy's {@code usesrc clientip}) before it connects. That needs a native
 *       transport, io_uring or epoll ({@link Transport#AUTO}, the default, picks one where it loads; Java NIO cannot
 *       set {@code IP_TRANSPARENT}) and CAP_NET_ADMIN
 *       (CAP_NET_RAW also does): {@link #install} checks both, setting {@code IP_TRANSPARENT} on a probe socket,
 *       and refuses the service naming what is missing. A client whose address family differs from the chosen
 *       real server's is never connected from the balancer's address instead: that attempt fails as a failed
 *       connect does (counted, retried once on the next candidate). The replies must come back through the
 *       balancer and be delivered to its sockets; the host recipe, as the namespace test applies it:
 *       <pre>
 * # on the balancer: mark packets that belong to a transparent socket, deliver marked packets locally
 * nft add table inet lb4j
 * nft add chain inet lb4j divert '{ type filter hook prerouting priority mangle; }'
 * nft add rule inet lb4j divert meta l4proto tcp socket transparent 1 meta mark set 1
 * ip rule add fwmark 1 lookup 100
 * ip route add local 0.0.0.0/0 dev lo table 100
 * # on each real server: reach the clients through the balancer
 * ip route add default via BALANCER_ADDRESS
 *       </pre>
 *       (For IPv6 clients also {@code ip -6 rule add fwmark 1 lookup 100} and
 *       {@code ip -6 route add local ::/0 dev lo table 100}.)</li>
 *   <li><b>Timeouts and caps</b>, per service ({@link VirtualService#clientIdleTimeout()} and the settings beside
 *       it): a TCP connection whose client side, or backend side, has had no byte read from it nor handed to its
 *       socket for the side's idle timeout (default 30 min, on the balancer's {@link TaskClock}) is closed, both
 *       sides, and counted per side; bytes stuck behind a peer that stopped reading are not activity. Both sockets
 *       get the service's TCP keepalive (on by default: 60 s, 15 s, 4 probes), see {@link VirtualService#tcpKeepAlive()}
 *       for what each transport can set. A connection beyond the service's {@code maxConnections} is closed as soon
 *       as it is accepted, before routing, and counted; its slot, like every connection's, is held until both its
 *       sockets are closed. A new UDP client beyond the service's {@code maxUdpSessions} (default 10,000) first
 *       evicts the least recently active session of the service, closing its socket; all the UDP ports of a service
 *       share one I/O thread for that. Counts: {@link #stats()} for the engine, {@link #counters(String)} per
 *       service (what {@code LoadBalancer.status()} reports).</li>
 * </ul>
 *
 * <p>Thread-safe. Lifecycle calls ({@link #start}, {@link #install}, {@link #uninstall}, {@link #expire},
 * {@link #stop}) may come from any thread; the data path runs on the engine's own I/O threads and logs nothing per
 * byte or packet: see {@link #stats()} instead.
 */
public final class ProxyEngine implements ForwardingEngine {

    /** The largest single read from a socket; part of the buffering bound (see the class documentation). */
    public static final int MAX_READ_BYTES = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ProxyEngine.class);
    // Large enough for any IPv4/IPv6 UDP payload: a smaller buffer would silently truncate datagrams.
    private static final int MAX_DATAGRAM_BYTES = 65_536;

    private enum State { NEW, RUNNING, STOPPING, STOPPED }

    private final int ioThreads;
    private final Duration connectTimeout;
    private final int maxPendingBytes;
    private final Duration udpIdleTimeout;
    private final Transport transport;
    private final int socketReceiveBuffer;

    private final Counters counters = new Counters();
    private final FlowRegistry flows = new FlowRegistry();
    private final Map<String, ServiceHandle> services = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private volatile State state = State.NEW;
    private EngineRuntime runtime; // set once by start(), read under lifecycle or by I/O threads after start

    private ProxyEngine(Builder b) {
        this.ioThreads = b.ioThreads;
        this.connectTimeout = b.connectTimeout;
        this.maxPendingBytes = b.maxPendingBytes;
        this.udpIdleTimeout = b.udpIdleTimeout;
        this.transport = b.transport;
        this.socketReceiveBuffer = b.socketReceiveBuffer;
    }

    /** An engine with the defaults of {@link Builder}. */
    public static ProxyEngine create() {
        return builder().build();
    }

    /** A builder for an engine with non-default options. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "proxy";
    }

    @Override
    public Set<ForwardingMethod> methods() {
        return Set.of(ForwardingMethod.PROXY);
    }

    /**
     * Starts the I/O threads on the configured {@link Builder#transport(Transport) transport}.
     *
     * @throws IllegalStateException when already started or stopped, or when the configured transport is not
     *                               {@link Transport#isAvailable() available} here (naming its cause)
     */
    @Override
    public void start(EngineContext context) {
        Objects.requireNonNull(context, "context");
        TaskClock clock = Objects.requireNonNull(context.clock(), "context.clock()");
        synchronized (lifecycle) {
            if (state != State.NEW) {
                throw new IllegalStateException("proxy engine: start() called when " + state.name().toLowerCase()
                        + " (expected: once, on a new engine)");
            }
            Transport transport = this.transport.resolve();
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(ioThreads,
                    new DefaultThreadFactory("lb4j-proxy", true), transport.ioHandlerFactory());
            boolean uringRelay = transport == Transport.IO_URING && NativeAccess.enabled()
                    && UringOps.kernelSupported();
            runtime = new EngineRuntime(transport, group, clock, counters, flows, udpIdleTimeout.toNanos(),
                    upstreamFactory(transport), datagramBootstrap(transport, group), uringRelay);
            state = State.RUNNING;
            LOG.info("proxy engine started: {} transport{}, {} I/O threads", transport.name(),
                    uringRelay ? " (TCP relayed on bare io_uring requests)"
                            : transport != Transport.IO_URING ? ""
                            : !UringOps.kernelSupported() ? " (TCP on Netty channels: the bare io_uring relay needs"
                            + " Linux 5.19)"
                            : " (TCP on Netty channels: " + NativeAccess.howToEnable()
                            + " to relay on bare io_uring requests)", ioThreads);
        }
    }

    /**
     * Binds the service's listeners (first call for its label) or swaps in a newer snapshot. The last installed
     * table wins. When a newer snapshot's spec lists other ports, the new ones are bound first and the dropped ones
     * closed after the swap; established connections are never touched.
     *
     * @throws UncheckedIOException     naming address:port when a listener cannot be bound; what this call bound
     *                                  is closed again and the previous snapshot stays installed
     * @throws IllegalArgumentException when the service's forwarding method is not {@code proxy}
     * @throws IllegalStateException    when the engine is not running; or, for a service that
     *                                  {@link VirtualService#preserveClientAddress() preserves the client's
     *                                  address}, naming what it lacks: the epoll transport, or CAP_NET_ADMIN
     *                                  (nothing is bound then)
     */
    @Override
    public void install(RoutingTable table) {
        Objects.requireNonNull(table, "table");
        VirtualService spec = table.service();
        if (spec.method() != ForwardingMethod.PROXY) {
            throw new IllegalArgumentException("service \"" + spec.label() + "\" method: " + spec.method().configName()
                    + " (expected: proxy; the proxy engine cannot forward " + spec.method().configName() + ")");
        }
        synchronized (lifecycle) {
            requireRunning("install");
            if (spec.preserveClientAddress()) {
                ClientAddress.checkUsable(spec.label(), runtime.transport());
            }
            ServiceHandle existing = services.get(spec.label());
            ServiceHandle handle = existing != null ? existing : new ServiceHandle(spec.label(), table);
            Set<ListenKey> wanted = new LinkedHashSet<>();
            for (int port : spec.ports()) {
                wanted.add(new ListenKey(spec.address(), port, spec.protocol()));
            }
            // A snapshot that turns preserveClientAddress or PROXY headers on (or off) changes which relay its TCP
            // ports need: those listeners are bound again (new connections are refused for that moment).
            boolean uring = usesUringRelay(spec);
            for (ListenKey key : List.copyOf(handle.listeners.keySet())) {
                if (key.protocol() == Protocol.TCP && (handle.listeners.get(key) instanceof UringListener) != uring) {
                    handle.listeners.remove(key).closeListener().awaitUninterruptibly();
                }
            }
            List<ListenKey> added = new ArrayList<>();
            try {
                for (ListenKey key : wanted) {
                    if (!handle.listeners.containsKey(key)) {
                        handle.listeners.put(key, bind(handle, key, uring));
                        added.add(key);
                    }
                }
            } catch (UncheckedIOException e) {
                for (ListenKey key : added) {
                    handle.listeners.remove(key).closeListener().awaitUninterruptibly();
                }
                throw e;
            }
            // Accepted sockets inherit the listener's keepalive: set it there once, not per connection. While it
            // changes, new connections set their own (one accepted just before may keep the previous settings).
            TcpKeepAlive keepAlive = spec.tcpKeepAlive();
            boolean unchanged = keepAlive.equals(handle.listenerKeepAlive());
            if (!unchanged) {
                handle.listenerKeepAlive(null);
            }
            boolean inherited = true;
            for (Map.Entry<ListenKey, VipListener> e : handle.listeners.entrySet()) {
                if (e.getKey().protocol() == Protocol.TCP && (!unchanged || added.contains(e.getKey()))) {
                    inherited &= e.getValue().keepAliveForAccepted(keepAlive);
                }
            }
            handle.table(table);
            handle.listenerKeepAlive(inherited ? keepAlive : null);
            List<ListenKey> dropped = new ArrayList<>(handle.listeners.keySet());
            dropped.removeAll(wanted);
            for (ListenKey key : dropped) {
                handle.listeners.remove(key).closeListener().awaitUninterruptibly();
            }
            if (existing == null) {
                services.put(spec.label(), handle);
            }
        }
    }

    /** Closes the service's listeners, then every connection and UDP session of it. Unknown labels are ignored. */
    @Override
    public void uninstall(String service) {
        Objects.requireNonNull(service, "service");
        synchronized (lifecycle) {
            ServiceHandle handle = services.remove(service);
            if (handle == null) {
                return;
            }
            closeListeners(handle);
            flows.abortService(service, f -> true);
        }
    }

    /**
     * Closes every connection and UDP session of {@code service} to the backend with {@code backend}'s label, at
     * once and without flushing (Halt): the clients reconnect and are routed by the current table.
     */
    @Override
    public void expire(String service, Backend backend) {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(backend, "backend");
        flows.abort(service, backend.label());
    }

    /**
     * Closes every listener and UDP session, waits up to {@code grace} for the TCP connections to end on their own,
     * closes the rest and shuts the I/O threads down. Idempotent.
     */
    @Override
    public void stop(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        EngineRuntime rt;
        synchronized (lifecycle) {
            if (state != State.RUNNING) {
                if (state == State.NEW) {
                    state = State.STOPPED;
                }
                return;
            }
            state = State.STOPPING;
            rt = runtime;
            for (ServiceHandle handle : services.values()) {
                closeListeners(handle);
            }
            services.clear();
        }
        // A UDP session cannot outlive its VIP socket: its replies leave through it.
        flows.abortAll(Flow::datagram);
        long deadline = System.nanoTime() + Math.max(0, grace.toNanos());
        if (!flows.awaitNoConnections(deadline)) {
            LOG.info("proxy engine stopping: closing {} connections still open after {}", flows.openConnections(), grace);
        }
        flows.abortAll(f -> true);
        flows.awaitNoConnections(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
        rt.group().shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        synchronized (lifecycle) {
            state = State.STOPPED;
        }
        LOG.info("proxy engine stopped");
    }

    /**
     * A snapshot of the engine's counters and gauges; cheap for the counters, and walks the live connections once
     * for {@link Stats#pendingBytes()}. Thread-safe; the fields are read one after another, not atomically together.
     */
    public Stats stats() {
        long[] pending = {0};
        flows.forEach(f -> pending[0] += f.pendingBytes());
        return new Stats(counters.accepted.sum(), counters.refused.sum(), counters.connectFailures.sum(),
                counters.retries.sum(), flows.openConnections(), counters.udpSessions.get(),
                counters.bytesToBackends.sum(), counters.bytesToClients.sum(), pending[0], counters.peakPending.get(),
                counters.pauses.sum(), counters.datagramsDropped.sum(), counters.errors.sum(),
                counters.clientIdleExpired.sum(), counters.serverIdleExpired.sum(), counters.refusedAtCap.sum(),
                counters.udpSessionsEvicted.sum());
    }

    /**
     * What the service's idle timeouts and caps did since it was installed (kept across newer snapshots, dropped
     * by {@link #uninstall}); {@link ServiceCounters#NONE} for a label that is not installed. Lock-free and cheap:
     * the control plane calls it for every service whenever its status is read.
     */
    @Override
    public ServiceCounters counters(String service) {
        ServiceHandle handle = services.get(Objects.requireNonNull(service, "service"));
        return handle == null ? ServiceCounters.NONE : handle.counters.snapshot();
    }

    /** The live flows; for the tests of this package, which look at the channels' options. */
    FlowRegistry flows() {
        return flows;
    }

    private void requireRunning(String operation) {
        if (state != State.RUNNING) {
            throw new IllegalStateException("proxy engine: " + operation + "() called when "
                    + state.name().toLowerCase() + " (expected: running, after start())");
        }
    }

    private void closeListeners(ServiceHandle handle) {
        handle.close();
        List<Future<?>> closing = new ArrayList<>();
        for (VipListener l : handle.listeners.values()) {
            closing.add(l.closeListener());
        }
        handle.listeners.clear();
        // Wait, so a service installed again right after can bind the same ports.
        closing.forEach(Future::awaitUninterruptibly);
    }

    /**
     * Whether {@code spec}'s TCP connections run on the io_uring relay: the engine can ({@link EngineRuntime#uringRelay})
     * and the service needs nothing only Netty's channels do yet (a transparent backend socket, PROXY headers).
     */
    private boolean usesUringRelay(VirtualService spec) {
        return runtime.uringRelay() && !spec.preserveClientAddress() && spec.proxyProtocol() == ProxyProtocol.NONE;
    }

    private VipListener bind(ServiceHandle handle, ListenKey key, boolean uring) {
        EngineRuntime rt = runtime;
        InetSocketAddress local = new InetSocketAddress(key.address(), key.port());
        if (key.protocol() == Protocol.TCP && uring) {
            return bindUring(rt, handle, key, local);
        }
        ChannelFuture f;
        if (key.protocol() == Protocol.UDP) {
            f = new Bootstrap().group(handle.udpLoop(rt.group())).channel(rt.transport().datagramChannel())
                    .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES))
                    .handler(new UdpListener(rt, handle, key.port()))
                    .bind(local);
        } else {
            f = new ServerBootstrap().group(rt.group()).channel(rt.transport().serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    // Set on the listener too: accepted sockets take their window scale from it.
                    .option(ChannelOption.SO_RCVBUF, socketReceiveBuffer > 0 ? socketReceiveBuffer : null)
                    .childOption(ChannelOption.AUTO_READ, false) // nothing is read before the backend is connected
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark())
                    .childOption(ChannelOption.RECVBUF_ALLOCATOR, readAllocator())
                    .childOption(ChannelOption.SO_RCVBUF, socketReceiveBuffer > 0 ? socketReceiveBuffer : null)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new TcpPair(rt, handle, key.port(), ch).clientRelay());
                        }
                    })
                    .bind(local);
        }
        f.awaitUninterruptibly();
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            throw new UncheckedIOException(new IOException("service \"" + handle.label() + "\": cannot bind "
                    + key.protocol() + " " + Addresses.hostPort(key.address(), key.port()) + ": " + cause.getMessage(), cause));
        }
        return new VipListener.OfChannel(f.channel());
    }

    /**
     * A TCP listener of the io_uring relay: on one I/O thread, each accepted connection handed to the next thread of
     * the group, as Netty's server channel does.
     */
    private VipListener bindUring(EngineRuntime rt, ServiceHandle handle, ListenKey key, InetSocketAddress local) {
        IoEventLoop listenerLoop = (IoEventLoop) rt.group().next();
        try {
            return UringListener.open(listenerLoop, local, 1024, socketReceiveBuffer, (fd, peer) -> {
                IoEventLoop loop = (IoEventLoop) rt.group().next();
                if (loop == listenerLoop) {
                    UringPair.accepted(rt, handle, key.port(), loop, rt.buffers(loop), fd, peer);
                    return;
                }
                try {
                    loop.execute(() -> UringPair.accepted(rt, handle, key.port(), loop, rt.buffers(loop), fd, peer));
                } catch (RejectedExecutionException e) {
                    StreamSocket.close(fd); // the engine is stopping
                }
            });
        } catch (LinuxException e) {
            throw new UncheckedIOException(new IOException("service \"" + handle.label() + "\": cannot bind TCP "
                    + Addresses.hostPort(key.address(), key.port()) + ": " + e.getMessage(), e));
        }
    }

    private UpstreamFactory upstreamFactory(Transport transport) {
        return new UpstreamFactory(transport.socketChannel(), (int) connectTimeout.toMillis(), waterMark(),
                readAllocator(), socketReceiveBuffer);
    }

    private static Bootstrap datagramBootstrap(Transport transport, EventLoopGroup group) {
        return new Bootstrap().group(group).channel(transport.datagramChannel())
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM_BYTES));
    }

    private WriteBufferWaterMark waterMark() {
        return new WriteBufferWaterMark(maxPendingBytes / 2, maxPendingBytes);
    }

    private static AdaptiveRecvByteBufAllocator readAllocator() {
        return new AdaptiveRecvByteBufAllocator(512, 16 * 1024, MAX_READ_BYTES);
    }

    @Override
    public String toString() {
        return "ProxyEngine[" + state.name().toLowerCase() + ", ioThreads=" + ioThreads + ", connectTimeout="
                + connectTimeout + ", maxPendingBytes=" + maxPendingBytes + ", udpIdleTimeout=" + udpIdleTimeout
                + ", transport=" + transport
                + (socketReceiveBuffer > 0 ? ", socketReceiveBuffer=" + socketReceiveBuffer : "") + "]";
    }

    /** Where one listener is bound. */
    record ListenKey(InetAddress address, int port, Protocol protocol) {
    }

    /**
     * Counters and gauges of one {@link ProxyEngine}, from its start. Counters only grow.
     *
     * @param accepted           TCP connections accepted on a VIP port
     * @param refused            TCP connections closed, and datagrams of new UDP clients dropped, because no backend
     *                           could take them
     * @param connectFailures    connects to a backend (TCP, or UDP socket set-up) that failed or timed out
     * @param retries            connections retried on a second backend after a connect failure
     * @param activeConnections  TCP connections open now (gauge)
     * @param udpSessions        UDP sessions open now (gauge)
     * @param bytesToBackends    payload bytes relayed from clients to backends (TCP and UDP)
     * @param bytesToClients     payload bytes relayed from backends to clients (TCP and UDP)
     * @param pendingBytes       bytes the engine holds now, written but not yet flushed to a socket (gauge)
     * @param peakPendingBytes   the most unflushed bytes ever held towards any one socket
     * @param backPressurePauses times a direction stopped reading because its destination was not writable
     * @param datagramsDropped   datagrams dropped because a queue was full or a socket not writable
     * @param errors             I/O errors and exceptions on connections and sessions (each closes what it hit)
     * @param clientIdleExpired  TCP connections closed because their client side was idle for the service's
     *                           {@code clientIdleTimeout}
     * @param serverIdleExpired  TCP connections closed because their backend side was idle for the service's
     *                           {@code serverIdleTimeout}
     * @param refusedAtCap       TCP connections closed on accept because their service held {@code maxConnections}
     *                           (not counted in {@code refused})
     * @param udpSessionsEvicted UDP sessions closed to make room for a new client under {@code maxUdpSessions}
     */
    public record Stats(long accepted, long refused, long connectFailures, long retries, int activeConnections,
                        int udpSessions, long bytesToBackends, long bytesToClients, long pendingBytes,
                        long peakPendingBytes, long backPressurePauses, long datagramsDropped, long errors,
                        long clientIdleExpired, long serverIdleExpired, long refusedAtCap, long udpSessionsEvicted) {
    }

    /**
     * Options for a {@link ProxyEngine}. Setters only record values; {@link #build()} checks them and throws
     * {@link IllegalArgumentException} naming the option, the value and the allowed range. Not thread-safe.
     *
     * <p>Defaults: one I/O thread per available processor, connect timeout 3 s, {@code maxPendingBytes} 64 KiB,
     * UDP idle timeout 60 s, the fastest available transport ({@link Transport#AUTO}), kernel-tuned socket receive
     * buffers.
     */
    public static final class Builder {
        private int ioThreads = Runtime.getRuntime().availableProcessors();
        private Duration connectTimeout = Duration.ofSeconds(3);
        private int maxPendingBytes = 64 * 1024;
        private Duration udpIdleTimeout = Duration.ofSeconds(60);
        private Transport transport = Transport.AUTO;
        private int socketReceiveBuffer;

        Builder() {
        }

        /** Number of I/O threads, 1-1024; default the number of available processors. */
        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** How long a connect to a backend may take before it counts as failed, 1 ms-1 h; default 3 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
            return this;
        }

        /**
         * Unflushed bytes, per connection and direction, above which the engine stops reading from the source
         * (reading resumes below half of it), 1 KiB-1 GiB; default 64 KiB. The engine's buffering bound is this
         * plus one read of at most {@value ProxyEngine#MAX_READ_BYTES} bytes.
         */
        public Builder maxPendingBytes(int maxPendingBytes) {
            this.maxPendingBytes = maxPendingBytes;
            return this;
        }

        /** How long a UDP session lives without a datagram in either direction, 1 ms-1 day; default 60 s. */
        public Builder udpIdleTimeout(Duration udpIdleTimeout) {
            this.udpIdleTimeout = Objects.requireNonNull(udpIdleTimeout, "udpIdleTimeout");
            return this;
        }

        /**
         * The Netty transport of the engine's sockets; default {@link Transport#AUTO}, the fastest available here
         * (io_uring, else epoll, else Java NIO). {@link Transport#NIO} forces Java NIO. A transport that is not
         * {@link Transport#isAvailable() available} here makes {@link ProxyEngine#start} fail, naming the cause.
         */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * The kernel receive buffer (SO_RCVBUF) of every proxied TCP socket, 0 or 4 KiB-64 MiB; default 0, the
         * kernel's auto-tuning. A cap bounds what the epoll transport drains after a FIN regardless of back-pressure
         * (see the class documentation), at the cost of throughput on long, fast paths.
         */
        public Builder socketReceiveBuffer(int bytes) {
            this.socketReceiveBuffer = bytes;
            return this;
        }

        /**
         * Checks the options and builds the engine.
         *
         * @throws IllegalArgumentException naming the option, its value and the allowed range
         */
        public ProxyEngine build() {
            if (ioThreads < 1 || ioThreads > 1024) {
                throw new IllegalArgumentException("ioThreads: " + ioThreads + " (expected: 1-1024)");
            }
            checkDuration("connectTimeout", connectTimeout, Duration.ofHours(1), "1 ms-1 h");
            if (maxPendingBytes < 1024 || maxPendingBytes > (1 << 30)) {
                throw new IllegalArgumentException("maxPendingBytes: " + maxPendingBytes
                        + " (expected: 1024-1073741824)");
            }
            checkDuration("udpIdleTimeout", udpIdleTimeout, Duration.ofDays(1), "1 ms-1 day");
            if (socketReceiveBuffer != 0 && (socketReceiveBuffer < 4096 || socketReceiveBuffer > (64 << 20))) {
                throw new IllegalArgumentException("socketReceiveBuffer: " + socketReceiveBuffer
                        + " (expected: 0 for the kernel's default, or 4096-67108864)");
            }
            return new ProxyEngine(this);
        }

        private static void checkDuration(String name, Duration value, Duration max, String range) {
            if (value.compareTo(Duration.ofMillis(1)) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: " + range + ")");
            }
        }
    }
}
