package io.lb4j.engine.proxy;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.TcpKeepAlive;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.status.ServiceCounters;
import io.lb4j.linux.Libc;
import io.lb4j.linux.LinuxException;
import io.lb4j.testkit.VirtualClock;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;
import org.junit.jupiter.params.provider.EnumSource;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static io.lb4j.engine.proxy.TestSupport.PRIMARY;
import static io.lb4j.engine.proxy.TestSupport.VIP;
import static io.lb4j.engine.proxy.TestSupport.await;
import static io.lb4j.engine.proxy.TestSupport.freeTcpPort;
import static io.lb4j.engine.proxy.TestSupport.real;
import static io.lb4j.engine.proxy.TestSupport.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * A service's timeouts and caps in the proxy engine, on loopback: idle expiry of each side on the virtual clock
 * (a client that goes silent, a backend that accepts and never reads, and a half-closed download that must not
 * expire), keepalive read back from both sockets, the connection cap, and the UDP session cap with LRU eviction
 * and a bounded descriptor count. No sleeps: virtual time, and polling with a deadline for what the I/O thread does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyEngineLimitsTest {

    private static final Duration IDLE = Duration.ofSeconds(10);
    private static final Duration LONG = Duration.ofHours(1);

    private final VirtualClock clock = new VirtualClock();
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private ProxyEngine engine;

    @BeforeAll
    static void watchLeaks() {
        LeakCheck.install();
    }

    @AfterAll
    static void noLeaks() {
        LeakCheck.assertNoLeaks();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (engine != null) {
            engine.stop(Duration.ZERO);
        }
        Collections.reverse(closeLater);
        for (AutoCloseable c : closeLater) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    /** One I/O thread, so that one no-op task on it orders the test after everything the engine has queued. */
    private ProxyEngine started(ProxyEngine.Builder b) {
        engine = b.ioThreads(1).build();
        engine.start(() -> clock);
        return engine;
    }

    /** Waits until {@code loop} has run everything queued before this call (the idle checks the clock handed it). */
    private static void settle(EventLoop loop) throws Exception {
        loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    /**
     * Moves virtual time on a second at a time, letting the I/O thread finish each step's idle checks before the
     * next: a check reads the clock when it runs, so time must not move under it.
     */
    private void advance(Duration d, EventLoop loop) throws Exception {
        for (long s = 0; s < d.toSeconds(); s++) {
            clock.advance(Duration.ofSeconds(1));
            settle(loop);
        }
    }

    /** A backend that accepts and does nothing else unless the test does: its sockets wait in {@link #next()}. */
    private final class ManualBackend implements AutoCloseable {
        final ServerSocket server;
        final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

        ManualBackend() throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(PRIMARY, 0));
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket s = server.accept();
                        s.setSoTimeout(10_000);
                        accepted.add(later(s));
                    }
                } catch (IOException closed) {
                    // test over
                }
            });
            later(this);
        }

        int port() {
            return server.getLocalPort();
        }

        Socket next() throws InterruptedException {
            Socket s = accepted.poll(10, TimeUnit.SECONDS);
            assertThat(s).as("a connection accepted by the backend").isNotNull();
            return s;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private Socket connect(int port) throws IOException {
        Socket s = later(new Socket());
        s.setSoTimeout(10_000);
        s.connect(new InetSocketAddress(VIP, port));
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    private static String read(Socket s, int n) throws IOException {
        return new String(s.getInputStream().readNBytes(n), StandardCharsets.US_ASCII);
    }

    /** Whether the peer closed: end of stream (after whatever was still buffered) or a reset. */
    private static boolean closedByPeer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            while (true) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketException e) {
            return true; // reset
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The engine's one TCP connection. */
    private Conn onlyPair() {
        List<Conn> pairs = new ArrayList<>();
        engine.flows().forEach(f -> pairs.add(new Conn((TcpFlow) f)));
        assertThat(pairs).hasSize(1);
        return pairs.getFirst();
    }

    /** One relayed TCP connection as these tests look at it, on Netty channels ({@link TcpPair}) or not. */
    private record Conn(TcpFlow flow) {

        EventLoop loop() {
            return flow instanceof TcpPair p ? p.clientChannel().eventLoop() : ((UringPair) flow).loop();
        }

        int vipPort() {
            return flow instanceof TcpPair p ? ((InetSocketAddress) p.clientChannel().localAddress()).getPort()
                    : ((UringPair) flow).vipPort();
        }

        boolean clientOpen() {
            return flow instanceof TcpPair p ? p.clientChannel().isOpen() : ((UringPair) flow).clientOpen();
        }

        /** The backend is connected and bytes flow. */
        boolean relaying() {
            if (flow instanceof TcpPair p) {
                Channel server = p.serverChannel();
                return server != null && server.isActive();
            }
            return ((UringPair) flow).relaying();
        }

        /** {SO_KEEPALIVE as 0/1, idle, interval, count} as one side's socket reads them back. */
        List<Integer> keepAlive(boolean clientSide) {
            if (flow instanceof TcpPair p) {
                return ProxyEngineLimitsTest.keepAlive(clientSide ? p.clientChannel() : p.serverChannel());
            }
            int fd = clientSide ? ((UringPair) flow).clientFd() : ((UringPair) flow).serverFd();
            return List.of(option(fd, 1, 9), option(fd, 6, 4), option(fd, 6, 5), option(fd, 6, 6));
        }

        boolean keepAliveOn(boolean clientSide) {
            return keepAlive(clientSide).getFirst() == 1;
        }

        boolean noDelay(boolean clientSide) {
            if (flow instanceof TcpPair p) {
                return (clientSide ? p.clientChannel() : p.serverChannel()).config().getOption(ChannelOption.TCP_NODELAY);
            }
            return option(clientSide ? ((UringPair) flow).clientFd() : ((UringPair) flow).serverFd(), 6, 1) != 0;
        }

        private static int option(int fd, int level, int option) {
            try {
                return Libc.getsockoptInt(fd, level, option, Arena.ofAuto().allocate(8, 4), "getsockopt");
            } catch (LinuxException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ idle

    @Test
    void aClientThatGoesSilentIsClosedBothSidesOnceItsSideIsIdleForTheClientTimeout() throws Exception {
        ManualBackend backend = new ManualBackend();
        int port = freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("PACS", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(backend.port()))
                .clientIdleTimeout(IDLE).serverIdleTimeout(LONG).build();
        started(ProxyEngine.builder()).install(table(spec, 1, List.of(real(spec, "R")), null));

        Socket client = connect(port);
        Socket server = backend.next();
        send(client, "a");
        assertThat(read(server, 1)).isEqualTo("a");
        EventLoop loop = onlyPair().loop();
        settle(loop);

        // t=6 s: the client is heard from again.
        advance(Duration.ofSeconds(6), loop);
        send(client, "b");
        assertThat(read(server, 1)).isEqualTo("b");
        settle(loop);

        // t=15 s: silent for 9 s, under the timeout: nothing happens.
        advance(Duration.ofSeconds(9), loop);
        assertThat(engine.stats().clientIdleExpired()).isZero();
        assertThat(onlyPair().clientOpen()).isTrue();

        // t=17 s: silent for 11 s: both sides are closed, with a FIN to the backend, and the client side counted.
        advance(Duration.ofSeconds(2), loop);
        await(() -> engine.stats().clientIdleExpired() == 1, "the client side to expire");
        assertThat(closedByPeer(client)).isTrue();
        assertThat(server.getInputStream().read()).as("a clean end of stream at the backend").isEqualTo(-1);
        await(() -> engine.stats().activeConnections() == 0, "the connection to end");
        assertThat(engine.stats().serverIdleExpired()).isZero();
        assertThat(engine.counters("PACS")).isEqualTo(new ServiceCounters(1, 0, 0, 0, 0));
    }

    @Test
    void aBackendThatAcceptsAndNeverReadsIsClosedAfterTheServerTimeoutOnceTheKernelStopsTakingBytes()
            throws Exception {
        ManualBackend backend = new ManualBackend();
        int port = freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("PACS", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(backend.port()))
                .clientIdleTimeout(LONG).serverIdleTimeout(IDLE).build();
        started(ProxyEngine.builder()).install(table(spec, 1, List.of(real(spec, "R")), null));

        Socket client = connect(port);
        Socket server = backend.next(); // and never read from it until the end
        // The client sends far more than the buffers on the way hold; its writes block once they are full.
        Thread writer = Thread.ofVirtual().start(() -> {
            byte[] chunk = new byte[64 * 1024];
            try {
                OutputStream out = client.getOutputStream();
                for (int i = 0; i < 1024; i++) {
                    out.write(chunk);
                }
            } catch (IOException closedByTheEngine) {
                // expected: the engine closes the connection under the blocked write
            }
        });
        // On Netty channels the engine counts the pause; the io_uring relay holds the send that the backend does not
        // take (its pendingBytes) and reads the client no more, so the writer blocks.
        await(() -> engine.stats().backPressurePauses() > 0
                        || engine.stats().pendingBytes() > 0 && writer.getState() == Thread.State.WAITING,
                "the engine to stop reading from the client");
        EventLoop loop = onlyPair().loop();
        settle(loop);

        // Under the timeout nothing happens.
        advance(Duration.ofSeconds(9), loop);
        assertThat(engine.stats().serverIdleExpired()).isZero();

        // Expiry comes at the timeout, or one check later when the kernel took a last few bytes meanwhile.
        long seconds = 9;
        while (engine.stats().serverIdleExpired() == 0 && seconds < 2 * IDLE.toSeconds() + 1) {
            advance(Duration.ofSeconds(1), loop);
            seconds++;
        }
        await(() -> engine.stats().serverIdleExpired() == 1, "the backend side to expire");
        assertThat(seconds).isBetween(IDLE.toSeconds(), 2 * IDLE.toSeconds() + 1);
        assertThat(engine.stats().clientIdleExpired()).isZero();
        assertThat(closedByPeer(server)).as("the backend reads what was buffered, then the end").isTrue();
        assertThat(closedByPeer(client)).isTrue();
        writer.join(Duration.ofSeconds(10));
        assertThat(writer.isAlive()).isFalse();
        await(() -> engine.stats().activeConnections() == 0, "the connection to end");
        assertThat(engine.counters("PACS").serverIdleExpired()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"NIO", "EPOLL", "IO_URING"})
    void aHalfClosedClientThatIsStillBeingSentToIsNotIdle(Transport transport) throws Exception {
        assumeThat(transport.isAvailable()).as(transport + " on this machine").isTrue();
        ManualBackend backend = new ManualBackend();
        int port = freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("PACS", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(backend.port()))
                .clientIdleTimeout(IDLE).serverIdleTimeout(LONG).build();
        started(ProxyEngine.builder().transport(transport)).install(table(spec, 1, List.of(real(spec, "R")), null));

        Socket client = connect(port);
        Socket server = backend.next();
        send(client, "request");
        client.shutdownOutput();
        assertThat(read(server, 7)).isEqualTo("request");
        assertThat(server.getInputStream().read()).as("the client's FIN, passed on").isEqualTo(-1);
        EventLoop loop = onlyPair().loop();
        settle(loop);

        // The client sends nothing more, but is sent a chunk every 6 s: 18 s without a byte from it.
        for (int i = 0; i < 3; i++) {
            advance(Duration.ofSeconds(6), loop);
            send(server, "chunk");
            assertThat(read(client, 5)).isEqualTo("chunk");
            settle(loop);
        }
        assertThat(engine.stats().clientIdleExpired()).isZero();
        send(server, "last");
        assertThat(read(client, 4)).isEqualTo("last");
        settle(loop);

        // Then nothing either way: it expires a timeout after the last chunk.
        advance(Duration.ofSeconds(9), loop);
        assertThat(engine.stats().clientIdleExpired()).isZero();
        advance(Duration.ofSeconds(2), loop);
        if (transport == Transport.IO_URING) {
            // io_uring completes writes after the flush returns, so the last chunk's hand-over is only seen at the
            // next check and stamped then: expiry within one timeout more, as VirtualService documents.
            advance(IDLE, loop);
        }
        await(() -> engine.stats().clientIdleExpired() == 1, "the client side to expire");
        assertThat(closedByPeer(client)).isTrue();
    }

    @Test
    void noTimeoutMeansNeverAndSchedulesNoCheckOnceTheKeepAliveIsSet() throws Exception {
        ManualBackend backend = new ManualBackend();
        int port = freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("PACS", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(backend.port()))
                .clientIdleTimeout(Duration.ZERO).serverIdleTimeout(Duration.ZERO).build();
        started(ProxyEngine.builder()).install(table(spec, 1, List.of(real(spec, "R")), null));

        Socket client = connect(port);
        Socket server = backend.next();
        Conn pair = onlyPair();
        EventLoop loop = pair.loop();
        settle(loop);

        // One pass, for the backend socket's keepalive (on by default), then nothing more for this connection.
        assertThat(clock.pendingTasks()).isOne();
        advance(Duration.ofSeconds(6), loop);
        assertThat(pair.keepAlive(false)).containsExactly(1, 60, 15, 4);
        assertThat(clock.pendingTasks()).isZero();
        clock.advance(Duration.ofDays(30));
        settle(loop);
        send(client, "still here");
        assertThat(read(server, 10)).isEqualTo("still here");
        assertThat(engine.stats().clientIdleExpired() + engine.stats().serverIdleExpired()).isZero();
    }

    /** Starts the engine with service PACS (the default timeouts) to {@code echo}; answers its VIP port. */
    private int startedWithEchoService(TestServer echo) {
        int port = freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("PACS", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(echo.port())).build();
        started(ProxyEngine.builder()).install(table(spec, 1, List.of(real(spec, "R")), null));
        return port;
    }

    @Test
    void aClosedConnectionCancelsItsIdleCheck() throws Exception {
        TestServer echo = later(TestServer.start(PRIMARY, 0, Handler.echo()));
        int port = startedWithEchoService(echo); // 30 min defaults

        Socket client = connect(port);
        send(client, "x");
        assertThat(read(client, 1)).isEqualTo("x");
        assertThat(clock.pendingTasks()).isEqualTo(1);

        client.close();
        await(() -> engine.stats().activeConnections() == 0, "the connection to end");
        assertThat(clock.pendingTasks()).as("the clock holds no closed connection").isZero();
    }

    /**
     * Idle timeouts cost the clock one pending pass per I/O thread, not a timer per connection (which was a hand-off
     * to the clock's thread at each connect and each close): 20 connections, one task; a shorter timeout brings the
     * pass forward rather than adding one per connection.
     */
    @Test
    void twentyConnectionsOnOneIoThreadHoldOnePassOnTheClock() throws Exception {
        TestServer echo = later(TestServer.start(PRIMARY, 0, Handler.echo()));
        int port = startedWithEchoService(echo); // 30 min defaults

        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Socket c = connect(port);
            send(c, "x");
            assertThat(read(c, 1)).isEqualTo("x");
            clients.add(c);
        }
        assertThat(engine.stats().activeConnections()).isEqualTo(20);
        assertThat(clock.pendingTasks()).isEqualTo(1);

        int shortPort = freeTcpPort(VIP);
        VirtualService shorter = TestSupport.service("HL7", shortPort)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(echo.port()))
                .clientIdleTimeout(IDLE).serverIdleTimeout(IDLE).build();
        engine.install(table(shorter, 1, List.of(real(shorter, "R")), null));
        Socket quiet = connect(shortPort);
        send(quiet, "y");
        assertThat(read(quiet, 1)).isEqualTo("y");
        EventLoop loop = onlyPairOn(shortPort).loop();
        settle(loop);
        assertThat(clock.pendingTasks()).as("the pass, brought forward").isEqualTo(1);

        // The pass now comes every second (a tenth of 10 s): the quiet connection goes at 10 s, the others stay.
        advance(Duration.ofSeconds(9), loop);
        assertThat(engine.stats().clientIdleExpired()).isZero();
        advance(Duration.ofSeconds(2), loop);
        await(() -> engine.stats().clientIdleExpired() == 1, "the quiet connection to expire");
        assertThat(closedByPeer(quiet)).isTrue();
        await(() -> engine.stats().activeConnections() == 20, "the quiet connection to end");

        for (Socket c : clients) {
            c.close();
        }
        await(() -> engine.stats().activeConnections() == 0, "the connections to end");
        assertThat(clock.pendingTasks()).as("no connection, no pass").isZero();
    }

    /** The one connection relayed on VIP port {@code port}. */
    private Conn onlyPairOn(int port) throws Exception {
        Conn[] found = new Conn[1];
        await(() -> {
            engine.flows().forEach(f -> {
                Conn p = new Conn((TcpFlow) f);
                if (p.vipPort() == port) {
                    found[0] = p;
                }
            });
            return found[0] != null;
        }, "the connection on port " + port);
        return found[0];
    }

    // ------------------------------------------------------------------------------------------------ keepalive

    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"NIO", "EPOLL", "IO_URING"})
    void keepAliveIsSetOnBothSocketsAsTheServiceSays(Transport transport) throws Exception {
        assumeThat(transport.isAvailable()).as(transport + " on this machine").isTrue();
        TestServer hold = later(TestServer.start(PRIMARY, 0, Handler.hold()));
        started(ProxyEngine.builder().transport(transport));

        Conn byDefault = connectedPair(hold, "DEFAULT", b -> { });
        Conn tuned = connectedPair(hold, "TUNED",
                b -> b.tcpKeepAlive(TcpKeepAlive.of(Duration.ofSeconds(42), Duration.ofSeconds(7), 3)));
        Conn off = connectedPair(hold, "OFF", b -> b.tcpKeepAlive(TcpKeepAlive.off()));
        // No idle timeouts: the sweeper takes the pair for its keepalive alone.
        Conn noIdle = connectedPair(hold, "NO_IDLE", b -> b.clientIdleTimeout(Duration.ZERO)
                .serverIdleTimeout(Duration.ZERO).tcpKeepAlive(TcpKeepAlive.of(Duration.ofSeconds(30),
                        Duration.ofSeconds(5), 2)));
        // io_uring with native access relays on bare io_uring requests; the other transports on Netty channels.
        if (transport == Transport.IO_URING) {
            assertThat(byDefault.flow()).isInstanceOf(UringPair.class);
        } else {
            Channel ch = ((TcpPair) byDefault.flow()).clientChannel();
            assertThat(ch.getClass()).isEqualTo(transport == Transport.NIO ? NioSocketChannel.class
                    : EpollSocketChannel.class);
        }

        // The client's socket has it from the listener at once; the backend's waits for the loop's next sweep, which
        // comes within a tenth of the shortest idle time (3 s here): a shorter connection never pays for it.
        EventLoop loop = byDefault.loop();
        settle(loop);
        assertThat(byDefault.keepAlive(true)).containsExactly(1, 60, 15, 4);
        for (Conn p : List.of(byDefault, tuned, off, noIdle)) {
            assertThat(p.keepAliveOn(false)).as("before the sweep").isFalse();
        }
        advance(Duration.ofSeconds(5), loop);

        for (boolean clientSide : new boolean[]{true, false}) {
            assertThat(byDefault.keepAlive(clientSide)).as("client side " + clientSide).containsExactly(1, 60, 15, 4);
            assertThat(tuned.keepAlive(clientSide)).as("client side " + clientSide).containsExactly(1, 42, 7, 3);
            assertThat(off.keepAliveOn(clientSide)).as("client side " + clientSide).isFalse();
            assertThat(noIdle.keepAlive(clientSide)).as("client side " + clientSide).containsExactly(1, 30, 5, 2);
            for (Conn p : List.of(byDefault, tuned, off, noIdle)) {
                assertThat(p.noDelay(clientSide)).as("TCP_NODELAY, client side " + clientSide).isTrue();
            }
        }
        assertThat(hold.openConnections()).isEqualTo(4);
    }

    /**
     * The listener passes its keepalive on to what it accepts (one set per listener, not per connection): a newer
     * snapshot with other settings must reach connections accepted after it, and leave the earlier ones as they were.
     */
    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"NIO", "EPOLL", "IO_URING"})
    void aChangedKeepAliveReachesConnectionsAcceptedAfterTheChange(Transport transport) throws Exception {
        assumeThat(transport.isAvailable()).as(transport + " on this machine").isTrue();
        TestServer hold = later(TestServer.start(PRIMARY, 0, Handler.hold()));
        started(ProxyEngine.builder().transport(transport));
        int port = freeTcpPort(VIP);
        VirtualService before = TestSupport.service("PACS", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(hold.port())).build();
        engine.install(table(before, 1, List.of(real(before, "R")), null));
        Conn first = relayedPair(hold, port, 1);

        VirtualService after = before.toBuilder()
                .tcpKeepAlive(TcpKeepAlive.of(Duration.ofSeconds(42), Duration.ofSeconds(7), 3)).build();
        engine.install(table(after, 2, List.of(real(after, "R")), null));
        Conn second = relayedPair(hold, port, 2);

        VirtualService off = after.toBuilder().tcpKeepAlive(TcpKeepAlive.off()).build();
        engine.install(table(off, 3, List.of(real(off, "R")), null));
        Conn third = relayedPair(hold, port, 3);
        advance(Duration.ofSeconds(6), first.loop()); // the backends' wait for the sweep

        assertThat(first.keepAlive(true)).containsExactly(1, 60, 15, 4);
        assertThat(second.keepAlive(true)).containsExactly(1, 42, 7, 3);
        assertThat(second.keepAlive(false)).containsExactly(1, 42, 7, 3);
        assertThat(third.keepAliveOn(true)).isFalse();
        assertThat(third.keepAliveOn(false)).isFalse();
    }

    /** Connects to {@code port} and answers the pair relaying it once {@code backend} accepted its n-th connection. */
    private Conn relayedPair(TestServer backend, int port, int n) throws Exception {
        List<Conn> known = new ArrayList<>();
        engine.flows().forEach(f -> known.add(new Conn((TcpFlow) f)));
        connect(port);
        await(() -> backend.accepted() == n, "the backend to accept connection " + n);
        Conn[] found = new Conn[1];
        await(() -> {
            engine.flows().forEach(f -> {
                Conn p = new Conn((TcpFlow) f);
                if (!known.contains(p) && p.relaying()) {
                    found[0] = p;
                }
            });
            return found[0] != null;
        }, "connection " + n + " to be relayed");
        return found[0];
    }

    /** Installs a service with {@code options} that forwards to {@code backend}; returns its connected pair. */
    private Conn connectedPair(TestServer backend, String label, Consumer<VirtualService.Builder> options)
            throws Exception {
        int port = freeTcpPort(VIP);
        VirtualService.Builder b = TestSupport.service(label, port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(backend.port()));
        options.accept(b);
        VirtualService spec = b.build();
        engine.install(table(spec, 1, List.of(real(spec, "R")), null));
        int before = backend.accepted();
        connect(port);
        await(() -> backend.accepted() == before + 1, "the backend to accept " + label + "'s connection");
        Conn[] found = new Conn[1];
        await(() -> {
            engine.flows().forEach(f -> {
                Conn p = new Conn((TcpFlow) f);
                if (p.vipPort() == port && p.relaying()) {
                    found[0] = p;
                }
            });
            return found[0] != null;
        }, label + "'s connection to be relayed");
        return found[0];
    }

    /** {SO_KEEPALIVE as 0/1, idle, interval, count} as the channel reads them back from its socket. */
    private static List<Integer> keepAlive(Channel ch) {
        int on = ch.config().getOption(ChannelOption.SO_KEEPALIVE) ? 1 : 0;
        if (ch instanceof EpollSocketChannel) {
            return List.of(on, ch.config().getOption(EpollChannelOption.TCP_KEEPIDLE),
                    ch.config().getOption(EpollChannelOption.TCP_KEEPINTVL),
                    ch.config().getOption(EpollChannelOption.TCP_KEEPCNT));
        }
        if (ch instanceof IoUringSocketChannel) {
            return List.of(on, ch.config().getOption(IoUringChannelOption.TCP_KEEPIDLE),
                    ch.config().getOption(IoUringChannelOption.TCP_KEEPINTVL),
                    ch.config().getOption(IoUringChannelOption.TCP_KEEPCNT));
        }
        return List.of(on, ch.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE)),
                ch.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL)),
                ch.config().getOption(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT)));
    }

    // ------------------------------------------------------------------------------------------------ caps

    @Test
    void theConnectionCapClosesTheNextConnectionAtOnceCountsItAndFreesSlotsOnClose() throws Exception {
        TestServer greeter = later(TestServer.start(PRIMARY, 0, Handler.greet("hi").then(Handler.hold())));
        int port = freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("PACS", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(greeter.port())).maxConnections(2).build();
        started(ProxyEngine.builder()).install(table(spec, 1, List.of(real(spec, "R")), null));

        Socket first = connect(port);
        Socket second = connect(port);
        assertThat(readLine(first)).isEqualTo("hi");
        assertThat(readLine(second)).isEqualTo("hi");

        // The third is accepted by the kernel and closed by the engine at once, without reaching a backend.
        Socket third = connect(port);
        assertThat(closedByPeer(third)).isTrue();
        assertThat(engine.stats().refusedAtCap()).isEqualTo(1);
        assertThat(engine.stats().refused()).as("not a no-backend refusal").isZero();
        assertThat(engine.counters("PACS").refusedAtCap()).isEqualTo(1);
        assertThat(greeter.accepted()).isEqualTo(2);

        // Closing one frees its slot once both its sockets are closed.
        first.close();
        await(() -> engine.stats().activeConnections() == 2 - 1, "the first connection to end");
        Socket fourth = connect(port);
        assertThat(readLine(fourth)).isEqualTo("hi");
        assertThat(engine.stats().refusedAtCap()).isEqualTo(1);
        assertThat(greeter.accepted()).isEqualTo(3);
    }

    private static String readLine(Socket s) throws IOException {
        // Not buffered across calls: each socket is read once here.
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    @Test
    void theBalancersStatusShowsTheServicesCounters() throws Exception {
        TestServer greeter = later(TestServer.start(PRIMARY, 0, Handler.greet("hi").then(Handler.hold())));
        int port = freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("PACS", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(greeter.port())).maxConnections(1).build();
        engine = ProxyEngine.builder().ioThreads(1).build();
        LoadBalancer lb = LoadBalancer.builder().engine(engine).clock(clock).service(spec).build();
        lb.start();
        later(() -> lb.stop(Duration.ZERO));
        engine = null; // the balancer stops it

        Socket first = connect(port);
        assertThat(readLine(first)).isEqualTo("hi");
        assertThat(closedByPeer(connect(port))).isTrue();

        assertThat(lb.status().service("PACS").counters()).isEqualTo(new ServiceCounters(0, 0, 0, 1, 0));
    }

    // ------------------------------------------------------------------------------------------------ UDP

    /** A UDP backend that answers "<the source port it saw>:<payload>", so the sessions can be told apart. */
    private int udpEchoBackend() throws IOException {
        DatagramChannel socket = later(DatagramChannel.open().bind(new InetSocketAddress(PRIMARY, 0)));
        Thread.ofVirtual().start(() -> {
            ByteBuffer buf = ByteBuffer.allocate(2048);
            try {
                while (true) {
                    InetSocketAddress from = (InetSocketAddress) socket.receive(buf.clear());
                    String payload = StandardCharsets.US_ASCII.decode(buf.flip()).toString();
                    socket.send(StandardCharsets.US_ASCII.encode(from.getPort() + ":" + payload), from);
                }
            } catch (IOException closed) {
                // test over
            }
        });
        return ((InetSocketAddress) socket.getLocalAddress()).getPort();
    }

    private DatagramSocket udpClient() throws IOException {
        DatagramSocket s = later(new DatagramSocket(new InetSocketAddress(VIP, 0)));
        s.setSoTimeout(5_000);
        return s;
    }

    /** Sends {@code payload} to the VIP port; returns the upstream port the backend saw. */
    private static String ask(DatagramSocket s, int vipPort, String payload) throws IOException {
        byte[] out = payload.getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(out, out.length, new InetSocketAddress(VIP, vipPort)));
        DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
        s.receive(in);
        String reply = new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII);
        assertThat(reply).endsWith(":" + payload);
        return reply.substring(0, reply.indexOf(':'));
    }

    private Backend udpService(String label, int cap, int... ports) throws IOException {
        int backendPort = udpEchoBackend();
        VirtualService spec = TestSupport.service(label, ports).protocol(Protocol.UDP)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(backendPort)).maxUdpSessions(cap).build();
        Backend backend = real(spec, "R");
        engine.install(table(spec, 1, List.of(backend), null));
        return backend;
    }

    @Test
    void aFullUdpServiceEvictsItsLeastRecentlyActiveSessionOnAnyPortForANewClient() throws Exception {
        started(ProxyEngine.builder().udpIdleTimeout(Duration.ofHours(1)));
        int p1 = TestSupport.freeUdpPort(VIP);
        int p2 = TestSupport.freeUdpPort(VIP);
        Backend backend = udpService("SYSLOG", 3, p1, p2);
        DatagramSocket a = udpClient();
        DatagramSocket b = udpClient();
        DatagramSocket c = udpClient();
        DatagramSocket d = udpClient();

        String a1 = ask(a, p1, "a1");
        String b1 = ask(b, p2, "b1");
        String c1 = ask(c, p1, "c1");
        assertThat(ask(a, p1, "a2")).isEqualTo(a1); // A is now the most recently active; B the least
        assertThat(engine.stats().udpSessions()).isEqualTo(3);

        ask(d, p1, "d1"); // a fourth client, on the first port: B's session on the second port goes
        assertThat(engine.stats().udpSessionsEvicted()).isEqualTo(1);
        assertThat(engine.stats().udpSessions()).isEqualTo(3);
        assertThat(backend.activeConnections()).as("the evicted session's backend slot is released").isEqualTo(3);
        assertThat(ask(a, p1, "a3")).as("A kept its session").isEqualTo(a1);
        assertThat(ask(c, p1, "c2")).as("C kept its session").isEqualTo(c1);

        // B comes back: a new session (a new upstream socket), evicting D, now the least recently active.
        assertThat(ask(b, p2, "b2")).as("B's session was closed").isNotEqualTo(b1);
        assertThat(engine.stats().udpSessionsEvicted()).isEqualTo(2);
        assertThat(engine.counters("SYSLOG")).isEqualTo(new ServiceCounters(0, 0, 0, 0, 2));
        assertThat(ask(a, p1, "a4")).isEqualTo(a1);
        assertThat(ask(c, p1, "c3")).isEqualTo(c1);
    }

    @Test
    void udpSessionsFromEverNewSourcePortsDoNotGrowTheDescriptorCount() throws Exception {
        Path fds = Path.of("/proc/self/fd");
        assumeThat(Files.isDirectory(fds)).as("/proc/self/fd").isTrue();
        started(ProxyEngine.builder().udpIdleTimeout(Duration.ofHours(1)));
        int port = TestSupport.freeUdpPort(VIP);
        udpService("SYSLOG", 3, port);
        // Fill the cap and go through eviction once, so that nothing first-time opens a descriptor later.
        for (int i = 0; i < 6; i++) {
            askOnce(port, "warm-up " + i);
        }
        long before = count(fds);

        for (int i = 0; i < 50; i++) {
            askOnce(port, "client " + i);
        }

        assertThat(engine.stats().udpSessions()).isEqualTo(3);
        assertThat(engine.stats().udpSessionsEvicted()).isEqualTo(53);
        assertThat(count(fds)).as("descriptors after 50 more clients").isLessThanOrEqualTo(before);
    }

    /** One datagram and its reply from a new source port, whose socket is closed again. */
    private static void askOnce(int port, String payload) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(VIP, 0))) {
            s.setSoTimeout(5_000);
            ask(s, port, payload);
        }
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.count();
        }
    }
}
