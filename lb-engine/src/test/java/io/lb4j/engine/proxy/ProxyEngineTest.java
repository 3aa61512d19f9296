package io.lb4j.engine.proxy;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.testsupport.net.FreePorts;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.proxy.TestSupport.PRIMARY;
import static io.lb4j.engine.proxy.TestSupport.SECONDARY;
import static io.lb4j.engine.proxy.TestSupport.VIP;
import static io.lb4j.engine.proxy.TestSupport.await;
import static io.lb4j.engine.proxy.TestSupport.fallback;
import static io.lb4j.engine.proxy.TestSupport.freeTcpPort;
import static io.lb4j.engine.proxy.TestSupport.real;
import static io.lb4j.engine.proxy.TestSupport.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Routing, failover, Halt, connect retry, back-pressure and lifecycle of the proxy engine, on loopback TCP. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyEngineTest {

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
        for (AutoCloseable c : closeLater) {
            c.close();
        }
    }

    private ProxyEngine started(ProxyEngine e) {
        engine = e;
        e.start(TaskClock::system);
        return e;
    }

    /** A backend that writes {@code name} and a newline, then echoes until the client's FIN, then half-closes. */
    private static TestServer namedEcho(InetAddress address, int port, String name) {
        return TestServer.start(address, port, Handler.greet(name).then(Handler.echo()));
    }

    private <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    /** A client of the VIP that talks to a {@link #namedEcho named echo} backend. */
    private final class Client implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;

        Client(int port) throws IOException {
            socket = new Socket();
            socket.setSoTimeout(10_000); // a broken engine fails the test instead of hanging it
            socket.connect(new InetSocketAddress(VIP, port));
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            later(this);
        }

        String readLine() throws IOException {
            return in.readLine();
        }

        String echo(String line) throws IOException {
            socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return in.readLine();
        }

        /** Whether the engine closed the connection: end of stream or a reset. */
        boolean closedByPeer() {
            try {
                return in.read() < 0;
            } catch (SocketException e) {
                return true; // reset
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void newSnapshotSendsNewConnectionsToTheFallbackWhileEstablishedOnesContinue_andExpireClosesThem()
            throws Exception {
        int port = freeTcpPort(VIP);
        TestServer primary = later(namedEcho(PRIMARY, 0, "primary"));
        TestServer secondary = later(namedEcho(SECONDARY, 0, "fallback"));
        VirtualService spec = TestSupport.service("PACS", port)
                .real("PrimaryCluster", PRIMARY.getHostAddress(), r -> r.port(primary.port()))
                .fallback(SECONDARY.getHostAddress(), f -> f.port(secondary.port()))
                .build();
        Backend pc = real(spec, "PrimaryCluster");
        Backend fb = fallback(spec);
        ProxyEngine e = started(ProxyEngine.create());

        // Snapshot 1: the primary takes new connections.
        e.install(table(spec, 1, List.of(pc), fb));
        Client before = new Client(port);
        assertThat(before.readLine()).isEqualTo("primary");
        assertThat(before.echo("study 1")).isEqualTo("study 1");

        // Snapshot 2 (the primary is halted): new connections go to the fallback...
        e.install(table(spec, 2, List.of(), fb));
        Client after = new Client(port);
        assertThat(after.readLine()).isEqualTo("fallback");
        // ...while the established one carries on with the primary.
        assertThat(before.echo("study 2")).isEqualTo("study 2");
        assertThat(pc.activeConnections()).isEqualTo(1);
        assertThat(fb.activeConnections()).isEqualTo(1);

        // Halt expires the primary's connections: the client sees its connection closed.
        e.expire("PACS", pc);
        assertThat(before.closedByPeer()).isTrue();
        await(() -> pc.activeConnections() == 0, "the primary's slot to be released");
        // The fallback's connection is untouched.
        assertThat(after.echo("study 3")).isEqualTo("study 3");
        assertThat(fb.activeConnections()).isEqualTo(1);
        assertThat(pc.totalConnections()).isEqualTo(1);
    }

    @Test
    void aSnapshotWithOtherPortsBindsTheNewOnesAndClosesDroppedListenersButKeepsTheirConnections() throws Exception {
        int[] ports = FreePorts.tcp(VIP, 2); // distinct: two calls of freeTcpPort may get the same port back
        int kept = ports[0];
        int added = ports[1];
        TestServer primary = later(namedEcho(PRIMARY, 0, "primary"));
        VirtualService v1 = TestSupport.service("PACS", kept)
                .real("PrimaryCluster", PRIMARY.getHostAddress(), r -> r.port(primary.port())).build();
        Backend pc = real(v1, "PrimaryCluster");
        ProxyEngine e = started(ProxyEngine.create());
        e.install(table(v1, 1, List.of(pc), null));
        Client established = new Client(kept);
        assertThat(established.readLine()).isEqualTo("primary");

        // Snapshot 2 adds a port: it is bound, and the established connection is untouched.
        VirtualService v2 = v1.toBuilder().ports(added).build();
        e.install(table(v2, 2, List.of(pc.withSpec(v2.realServer("PrimaryCluster").orElseThrow())), null));
        assertThat(new Client(added).readLine()).isEqualTo("primary");
        assertThat(established.echo("still here")).isEqualTo("still here");

        // Snapshot 3 drops the first port: its listener goes, its established connection stays.
        VirtualService v3 = TestSupport.service("PACS", added)
                .real("PrimaryCluster", PRIMARY.getHostAddress(), r -> r.port(primary.port())).build();
        e.install(table(v3, 3, List.of(pc.withSpec(v3.realServer("PrimaryCluster").orElseThrow())), null));
        await(() -> refuses(kept), "the dropped port's listener to be gone");
        assertThat(established.echo("and still")).isEqualTo("and still");
    }

    /** Whether a connect to VIP:port is refused (Java NIO lets go of a closed listener a moment after the close). */
    private static boolean refuses(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(VIP, port), 1000);
            return false;
        } catch (java.net.ConnectException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void fallbackOnPortZeroGetsThePortTheClientConnectedTo() throws Exception {
        int portA = freeTcpPort(SECONDARY);
        int portB = freeTcpPort(SECONDARY);
        later(namedEcho(SECONDARY, portA, "fallback:a"));
        later(namedEcho(SECONDARY, portB, "fallback:b"));
        // The VIP listens on the same port numbers on its own address.
        VirtualService spec = TestSupport.service("MULTI", portA, portB)
                .fallback(SECONDARY.getHostAddress()).build();
        ProxyEngine e = started(ProxyEngine.create());
        e.install(table(spec, 1, List.of(), fallback(spec)));

        assertThat(new Client(portA).readLine()).isEqualTo("fallback:a");
        assertThat(new Client(portB).readLine()).isEqualTo("fallback:b");
    }

    @Test
    void connectFailureIsRetriedOnceOnTheNextRealServerAndCounted() throws Exception {
        int port = freeTcpPort(VIP);
        int deadPort = freeTcpPort(PRIMARY); // nothing listens there: connection refused
        TestServer live = later(namedEcho(SECONDARY, 0, "live"));
        VirtualService spec = TestSupport.service("RETRY", port)
                .real("Dead", PRIMARY.getHostAddress(), r -> r.port(deadPort))
                .real("Live", SECONDARY.getHostAddress(), r -> r.port(live.port()))
                .build();
        Backend dead = real(spec, "Dead");
        Backend alive = real(spec, "Live");
        ProxyEngine e = started(ProxyEngine.create());
        e.install(table(spec, 1, List.of(dead, alive), null));

        // Both are idle, so least-connections picks Dead first; the engine retries on Live.
        Client c = new Client(port);
        assertThat(c.readLine()).isEqualTo("live");

        ProxyEngine.Stats s = e.stats();
        assertThat(s.connectFailures()).isEqualTo(1);
        assertThat(s.retries()).isEqualTo(1);
        assertThat(dead.totalConnections()).isEqualTo(1);
        assertThat(dead.activeConnections()).isZero(); // its slot was given back at once
        assertThat(alive.activeConnections()).isEqualTo(1);
    }

    @Test
    void connectFailureOnBothCandidatesClosesTheClientAfterExactlyTwoAttempts() throws Exception {
        int port = freeTcpPort(VIP);
        int deadReal = freeTcpPort(PRIMARY);
        int deadFallback = freeTcpPort(SECONDARY);
        VirtualService spec = TestSupport.service("DOWN", port)
                .real("Dead", PRIMARY.getHostAddress(), r -> r.port(deadReal))
                .fallback(SECONDARY.getHostAddress(), f -> f.port(deadFallback))
                .build();
        Backend dead = real(spec, "Dead");
        Backend fb = fallback(spec);
        ProxyEngine e = started(ProxyEngine.create());
        e.install(table(spec, 1, List.of(dead), fb));

        Client c = new Client(port);
        assertThat(c.closedByPeer()).isTrue();

        await(() -> e.stats().activeConnections() == 0, "the client connection to end");
        ProxyEngine.Stats s = e.stats();
        assertThat(s.connectFailures()).isEqualTo(2);
        assertThat(s.retries()).isEqualTo(1);
        assertThat(dead.totalConnections()).isEqualTo(1); // tried once: the retry went to the next candidate
        assertThat(fb.totalConnections()).isEqualTo(1);
        assertThat(dead.activeConnections()).isZero();
        assertThat(fb.activeConnections()).isZero();
    }

    @Test
    void clientIsRefusedWhenNoBackendCanTakeIt() throws Exception {
        int port = freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("FULL", port).real("R", PRIMARY.getHostAddress(),
                r -> r.port(1)).build();
        ProxyEngine e = started(ProxyEngine.create());
        e.install(table(spec, 1, List.of(), null)); // nothing may take new connections

        assertThat(new Client(port).closedByPeer()).isTrue();
        await(() -> e.stats().activeConnections() == 0, "the refused connection to end");
        assertThat(e.stats().refused()).isEqualTo(1);
        assertThat(e.stats().connectFailures()).isZero();
    }

    @ParameterizedTest
    @MethodSource("io.lb4j.engine.proxy.TestSupport#transports")
    void slowReaderKeepsTheEngineBufferUnderItsBound(Transport transport) throws Exception {
        int maxPending = 64 * 1024;
        // maxPendingBytes + one read, + Netty's per-write bookkeeping, generously
        slowReader(ProxyEngine.builder().transport(transport).maxPendingBytes(maxPending).build(), false,
                maxPending + ProxyEngine.MAX_READ_BYTES + 1024);
    }

    @ParameterizedTest
    @MethodSource("io.lb4j.engine.proxy.TestSupport#transports")
    void slowReaderStaysUnderTheBoundEvenAfterTheBackendsFin(Transport transport) throws Exception {
        int maxPending = 64 * 1024;
        slowReader(ProxyEngine.builder().transport(transport).maxPendingBytes(maxPending).build(), true,
                maxPending + ProxyEngine.MAX_READ_BYTES + 1024);
    }

    /**
     * A backend streams 32 MiB to a client that does not read, then the client reads it all. With
     * {@code backendFins} the backend half-closes as soon as it has written everything; otherwise it waits for the
     * client to close, so the engine never sees a FIN while paused.
     */
    private void slowReader(ProxyEngine configured, boolean backendFins, long bound) throws Exception {
        int total = 32 * 1024 * 1024;
        TestServer streamer = later(TestServer.start(PRIMARY, 0, ch -> {
            byte[] chunk = new byte[64 * 1024];
            PatternStream pattern = new PatternStream(7);
            for (int sent = 0; sent < total; sent += chunk.length) {
                pattern.next(chunk, 0, chunk.length);
                TestServer.writeFully(ch, ByteBuffer.wrap(chunk));
            }
            if (backendFins) {
                ch.shutdownOutput();
            }
            ch.read(ByteBuffer.allocate(1)); // until the client closes
        }));
        int port = freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("SLOW", port)
                .real("S", PRIMARY.getHostAddress(), r -> r.port(streamer.port())).build();
        ProxyEngine e = started(configured);
        e.install(table(spec, 1, List.of(real(spec, "S")), null));

        // A client that does not read: the kernel buffers fill, then the engine must stop reading the backend.
        Socket client = later(new Socket());
        client.setReceiveBufferSize(64 * 1024);
        client.setSoTimeout(10_000);
        client.connect(new InetSocketAddress(VIP, port));
        await(() -> e.stats().backPressurePauses() > 0, "the engine to pause the backend");
        assertThat(e.stats().pendingBytes()).isLessThanOrEqualTo(bound);
        assertThat(streamer.openConnections()).isEqualTo(1);

        // Now read everything: nothing was lost or reordered while paused.
        InputStream in = client.getInputStream();
        PatternStream expected = new PatternStream(7);
        byte[] got = new byte[64 * 1024];
        byte[] want = new byte[64 * 1024];
        long received = 0;
        while (received < total) {
            int n = in.read(got, 0, (int) Math.min(got.length, total - received));
            assertThat(n).as("read at offset %d", received).isPositive();
            expected.next(want, 0, n);
            assertThat(ByteBuffer.wrap(got, 0, n)).as("bytes at offset %d", received)
                    .isEqualTo(ByteBuffer.wrap(want, 0, n));
            received += n;
        }
        if (backendFins) {
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(e.stats().peakPendingBytes()).isLessThanOrEqualTo(bound);
        assertThat(e.stats().backPressurePauses()).isPositive();
        assertThat(e.stats().bytesToClients()).isEqualTo(total);
    }

    @Test
    void installFailsNamingAddressAndPortWhenAPortIsTaken_andBindsNothing() throws Exception {
        int free = freeTcpPort(VIP);
        ServerSocket taken = later(new ServerSocket());
        taken.bind(new InetSocketAddress(VIP, 0));
        VirtualService spec = TestSupport.service("CLASH", free, taken.getLocalPort())
                .real("R", PRIMARY.getHostAddress(), r -> r.port(1)).build();
        ProxyEngine e = started(ProxyEngine.create());

        assertThatThrownBy(() -> e.install(table(spec, 1, List.of(real(spec, "R")), null)))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("service \"CLASH\": cannot bind TCP 127.0.0.1:" + taken.getLocalPort());
        // The port that did bind was closed again: someone else can take it. Java NIO releases a closed listener's
        // socket when its selector next wakes, a moment after the close completes, so poll with a deadline.
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
        while (true) {
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress(VIP, free));
                break;
            } catch (java.net.BindException stillBound) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("port " + free + " still bound 5 s after the failed install", stillBound);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(java.time.Duration.ofMillis(5).toNanos());
            }
        }
    }

    @Test
    void installRejectsAServiceThatIsNotAProxyService() {
        VirtualService dr = VirtualService.directRouting().label("DR").address(VIP).ports(104)
                .real("R", PRIMARY.getHostAddress()).healthCheck(HealthCheck.none()).build();
        ProxyEngine e = started(ProxyEngine.create());

        assertThat(e.methods()).containsExactly(ForwardingMethod.PROXY);
        assertThat(e.name()).isEqualTo("proxy");
        assertThatThrownBy(() -> e.install(table(dr, 1, List.of(real(dr, "R")), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("service \"DR\" method: direct-routing (expected: proxy; the proxy engine cannot forward"
                        + " direct-routing)");
    }

    @Test
    void uninstallClosesListenersAndConnections() throws Exception {
        int port = freeTcpPort(VIP);
        TestServer primary = later(namedEcho(PRIMARY, 0, "primary"));
        VirtualService spec = TestSupport.service("GONE", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(primary.port())).build();
        Backend r = real(spec, "R");
        ProxyEngine e = started(ProxyEngine.create());
        e.install(table(spec, 1, List.of(r), null));
        Client c = new Client(port);
        assertThat(c.readLine()).isEqualTo("primary");

        e.uninstall("GONE");

        assertThat(c.closedByPeer()).isTrue();
        await(() -> r.activeConnections() == 0, "the backend slot to be released");
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(VIP, port)); // the listener is gone
        }
    }

    @Test
    void stopLetsConnectionsFinishWithinTheGraceThenClosesTheRest() throws Exception {
        int port = freeTcpPort(VIP);
        TestServer primary = later(namedEcho(PRIMARY, 0, "primary"));
        VirtualService spec = TestSupport.service("STOP", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(primary.port())).build();
        Backend r = real(spec, "R");
        ProxyEngine e = started(ProxyEngine.create());
        e.install(table(spec, 1, List.of(r), null));
        Client finishing = new Client(port);
        assertThat(finishing.readLine()).isEqualTo("primary");

        // stop() with a long grace waits for the connection...
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> e.stop(Duration.ofSeconds(30)));
        await(() -> {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(VIP, port));
                return false;
            } catch (IOException refused) {
                return true;
            }
        }, "the listener to close");
        assertThat(finishing.echo("still here")).isEqualTo("still here");
        assertThat(stopping).isNotDone();

        // ...and returns once the client is done, long before the grace is over.
        finishing.close();
        stopping.get(10, TimeUnit.SECONDS);
        assertThat(r.activeConnections()).isZero();
        engine = null;
    }

    @Test
    void stopClosesConnectionsThatOutliveTheGrace() throws Exception {
        int port = freeTcpPort(VIP);
        TestServer primary = later(namedEcho(PRIMARY, 0, "primary"));
        VirtualService spec = TestSupport.service("STOP2", port)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(primary.port())).build();
        Backend r = real(spec, "R");
        ProxyEngine e = started(ProxyEngine.create());
        e.install(table(spec, 1, List.of(r), null));
        Client lingering = new Client(port);
        assertThat(lingering.readLine()).isEqualTo("primary");

        e.stop(Duration.ofMillis(100));
        engine = null;

        assertThat(lingering.closedByPeer()).isTrue();
        assertThat(r.activeConnections()).isZero();
        assertThatThrownBy(() -> e.install(table(spec, 2, List.of(r), null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("proxy engine: install() called when stopped (expected: running, after start())");
    }
}
