package io.lb4j.healthcheck.net;

import io.lb4j.healthcheck.support.Loopback;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The bare-socket connect probe ({@link EpollConnectProbe}) against real loopback sockets: the same verdicts and
 * reasons as a Netty channel, and no descriptor left behind whatever the peer does.
 */
class BareConnectProbeTest {

    private static final Path FDS = Path.of("/proc/self/fd");

    private static CheckTransport epoll;
    private static CheckTransport nio;

    @BeforeAll
    static void loops() {
        epoll = CheckTransport.create(1);
        nio = CheckTransport.of(new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()), NioSocketChannel.class);
    }

    @AfterAll
    static void stop() {
        epoll.shutdown();
        nio.shutdown();
    }

    /** Both paths: the bare probe (epoll) and the channel (NIO), for verdicts that must not differ. */
    private static List<NettyNetwork> bothPaths() {
        assumeThat(Epoll.isAvailable()).as("Netty's native epoll").isTrue();
        return List.of(NettyNetwork.on(epoll), NettyNetwork.on(nio));
    }

    @Test
    void anEpollLoopRunsConnectChecksAsBareSocketsAndNioFallsBackToChannels() {
        assumeThat(Epoll.isAvailable()).as("Netty's native epoll").isTrue();
        InetSocketAddress somewhere = new InetSocketAddress(Loopback.ADDRESS, Loopback.freePort());
        CompletableFuture<Void> bare = epoll.bareConnect(somewhere, Duration.ofSeconds(5));
        assertThat(bare).isInstanceOf(EpollConnectProbe.class);
        bare.handle((ok, e) -> null).join();
        assertThat(nio.bareConnect(somewhere, Duration.ofSeconds(5))).isNull();
        assertThat(epoll.bareConnect(InetSocketAddress.createUnresolved("localhost", 80), Duration.ofSeconds(5)))
                .as("unresolved: left to the channel, which resolves").isNull();
        assertThat(epoll).hasToString("CheckTransport[epoll, bare connect probes]");
    }

    @Test
    void aListeningPortPassesOnBothPaths() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, Loopback.ADDRESS)) {
            for (NettyNetwork network : bothPaths()) {
                assertThat(outcome(network, new InetSocketAddress(Loopback.ADDRESS, server.getLocalPort()),
                        Duration.ofSeconds(5))).as(network.toString()).isEqualTo("ok");
            }
        }
    }

    @Test
    void aServerThatAcceptsAndClosesPasses() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, Loopback.ADDRESS)) {
            AtomicInteger accepted = new AtomicInteger();
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException e) {
                        return; // closed at the end of the test
                    }
                }
            });
            for (NettyNetwork network : bothPaths()) {
                for (int i = 0; i < 20; i++) {
                    assertThat(outcome(network, new InetSocketAddress(Loopback.ADDRESS, server.getLocalPort()),
                            Duration.ofSeconds(5))).as(network + " attempt " + i).isEqualTo("ok");
                }
            }
            // The channel path's 20 at least (the bare path resets before the server's accept, see below).
            awaitAtLeast(accepted::get, 20, "connections the server accepted and closed");
        }
    }

    @Test
    void theBareProbeResetsBeforeTheServerHasAConnectionToAcceptAsHaproxyDoes() throws Exception {
        assumeThat(Epoll.isAvailable()).as("Netty's native epoll").isTrue();
        try (ServerSocket server = new ServerSocket(0, 50, Loopback.ADDRESS)) {
            InetSocketAddress address = new InetSocketAddress(Loopback.ADDRESS, server.getLocalPort());
            for (int i = 0; i < 10; i++) {
                assertThat(outcome(NettyNetwork.on(epoll), address, Duration.ofSeconds(5))).isEqualTo("ok");
            }
            // No quick ACK: the handshake's last ACK waits and the RST goes instead, so nothing reaches the accept
            // queue. A loop held up past the delayed-ACK timer (40 ms) lets one through, hence the slack.
            server.setSoTimeout(100);
            int accepted = 0;
            try {
                while (accepted < 10) {
                    server.accept().close();
                    accepted++;
                }
            } catch (java.net.SocketTimeoutException drained) {
                // the accept queue is empty
            }
            assertThat(accepted).as("connections the server could accept after 10 checks").isLessThanOrEqualTo(2);
        }
    }

    /** IPv6 targets get an AF_INET6 socket: a listening port passes, a closed one is refused, on both paths. */
    @Test
    void anIpv6TargetPassesOrIsRefusedOnBothPaths() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        try (ServerSocket server = new ServerSocket()) {
            try {
                server.bind(new InetSocketAddress(v6, 0));
            } catch (IOException e) {
                assumeThat(e).as("IPv6 loopback on this machine").isNull();
            }
            int closed = Loopback.freePort();
            for (NettyNetwork network : bothPaths()) {
                assertThat(outcome(network, new InetSocketAddress(v6, server.getLocalPort()), Duration.ofSeconds(5)))
                        .as(network.toString()).isEqualTo("ok");
                assertThat(outcome(network, new InetSocketAddress(v6, closed), Duration.ofSeconds(5)))
                        .as(network.toString()).isEqualTo("connection refused");
            }
        }
    }

    @Test
    void aClosedPortIsConnectionRefusedOnBothPaths() {
        int port = Loopback.freePort();
        for (NettyNetwork network : bothPaths()) {
            assertThat(outcome(network, new InetSocketAddress(Loopback.ADDRESS, port), Duration.ofSeconds(5)))
                    .as(network.toString()).isEqualTo("connection refused");
        }
    }

    @Test
    void aBlackHoledConnectTimesOutWithTheSameReasonOnBothPaths() throws Exception {
        for (NettyNetwork network : bothPaths()) {
            try (BlackHole hole = new BlackHole()) {
                assertThat(outcome(network, hole.address(), Duration.ofMillis(300))).as(network.toString())
                        .isEqualTo("timed out after 300ms");
            }
        }
    }

    @Test
    void probesLeaveNoDescriptorBehindWhateverThePeerDoes() throws Exception {
        assumeThat(Files.isDirectory(FDS)).as("/proc/self/fd").isTrue();
        assumeThat(Epoll.isAvailable()).as("Netty's native epoll").isTrue();
        NettyNetwork network = NettyNetwork.on(epoll);
        try (ServerSocket listening = new ServerSocket(0, 4096, Loopback.ADDRESS);
             BlackHole hole = new BlackHole()) {
            InetSocketAddress up = new InetSocketAddress(Loopback.ADDRESS, listening.getLocalPort());
            InetSocketAddress refused = new InetSocketAddress(Loopback.ADDRESS, Loopback.freePort());
            InetSocketAddress blackHole = hole.address();
            outcome(network, up, Duration.ofSeconds(5)); // first use opens what stays open (the loop's own)
            long before = count();

            List<CompletableFuture<Void>> attempts = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                attempts.add(network.connect(up, Duration.ofSeconds(5)).toCompletableFuture());
                attempts.add(network.connect(refused, Duration.ofSeconds(5)).toCompletableFuture());
                attempts.add(network.connect(blackHole, Duration.ofMillis(200)).toCompletableFuture());
            }
            // Given up by the monitor: cancelling closes the socket at once, long before its 60 s timeout.
            for (int i = 0; i < 100; i++) {
                network.connect(blackHole, Duration.ofSeconds(60)).toCompletableFuture().cancel(false);
            }
            CompletableFuture.allOf(attempts.stream().map(a -> a.handle((ok, e) -> null))
                    .toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(attempts.stream().filter(a -> !a.isCompletedExceptionally()).count())
                    .as("checks of the listening port that passed").isGreaterThanOrEqualTo(300);

            awaitAtMost(BareConnectProbeTest::count, before, "descriptors after 1,000 probes");
        }
    }

    /** {@code "ok"} or the failure's reason, bounded by the test deadline. */
    private static String outcome(NettyNetwork network, InetSocketAddress remote, Duration timeout) {
        try {
            network.connect(remote, timeout).toCompletableFuture()
                    .get(Loopback.TEST_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            return "ok";
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(IOException.class);
            return e.getCause().getMessage();
        } catch (Exception e) {
            throw new AssertionError("attempt did not complete: " + e, e);
        }
    }

    private static long count() {
        try (Stream<Path> s = Files.list(FDS)) {
            return s.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitAtMost(LongSupplier value, long bound, String what) {
        long deadline = System.nanoTime() + Loopback.TEST_DEADLINE.toNanos();
        while (value.getAsLong() > bound && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(value.getAsLong()).as(what).isLessThanOrEqualTo(bound);
    }

    private static void awaitAtLeast(LongSupplier value, long bound, String what) {
        long deadline = System.nanoTime() + Loopback.TEST_DEADLINE.toNanos();
        while (value.getAsLong() < bound && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(value.getAsLong()).as(what).isGreaterThanOrEqualTo(bound);
    }
}
