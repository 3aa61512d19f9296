package io.lb4j.engine.proxy;

import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Socket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.lb4j.engine.proxy.TestSupport.PRIMARY;
import static io.lb4j.engine.proxy.TestSupport.VIP;
import static io.lb4j.engine.proxy.TestSupport.await;
import static io.lb4j.engine.proxy.TestSupport.drain;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The smallest reproducer of a half-close truncation: one side sends its FIN first, then the other side sends more
 * than the kernel buffers while the half-closed side does not read, so the engine must wait for the socket whose
 * input is already shut down to become writable again. Every byte must arrive, on every transport.
 *
 * <p>On Netty 4.2.18's epoll transport without {@link EpollInterestFix} this lost the tail of the transfer: once
 * the half-closed, drained socket wanted no events Netty removed it from the epoll set, and the wait for
 * writability then failed ({@code epoll_ctl(..) ENOENT}) and shut the output down mid-stream.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyEngineHalfCloseTest {

    private static final int SIZE = 8 * 1024 * 1024;

    private int vipPort;

    @BeforeAll
    static void watchLeaks() {
        LeakCheck.install();
    }

    @AfterAll
    static void noLeaks() {
        LeakCheck.assertNoLeaks();
    }

    @ParameterizedTest
    @MethodSource("io.lb4j.engine.proxy.TestSupport#transports")
    void clientSendsEveryByteAfterTheBackendsFinWhileTheBackendDoesNotRead(Transport transport) throws Exception {
        CountDownLatch mayRead = new CountDownLatch(1);
        AtomicLong receivedByBackend = new AtomicLong(-1);
        Handler backend = ch -> {
            ch.shutdownOutput(); // the backend's FIN first
            awaitLatch(mayRead);
            receivedByBackend.set(drain(ch));
        };
        try (TestServer server = TestServer.start(PRIMARY, 0, backend)) {
            ProxyEngine engine = start(transport, server);
            try (SocketChannel client = SocketChannel.open(new InetSocketAddress(VIP, vipPort))) {
                assertThat(drain(client)).as("bytes before the backend's FIN").isZero();
                // The backend's side is now half-closed and drained in the engine; fill it while nobody reads.
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> send(client, SIZE));
                await(() -> engine.stats().backPressurePauses() > 0 || engine.stats().errors() > 0
                        || sending.isDone(), "the engine to wait for the backend to read (or to fail)");
                mayRead.countDown();
                sending.get(30, TimeUnit.SECONDS);
                client.shutdownOutput();
                await(() -> receivedByBackend.get() >= 0, "the backend to see the client's FIN");
            } finally {
                mayRead.countDown();
                engine.stop(Duration.ofSeconds(1));
            }
            assertThat(receivedByBackend.get()).as("bytes the backend received after its FIN").isEqualTo(SIZE);
            assertThat(engine.stats().errors()).as("errors").isZero();
            assertThat(engine.stats().bytesToBackends()).isEqualTo(SIZE);
        }
    }

    @ParameterizedTest
    @MethodSource("io.lb4j.engine.proxy.TestSupport#transports")
    void backendSendsEveryByteAfterTheClientsFinWhileTheClientDoesNotRead(Transport transport) throws Exception {
        Handler backend = ch -> {
            drain(ch); // until the client's FIN
            send(ch, SIZE);
            ch.shutdownOutput();
        };
        try (TestServer server = TestServer.start(PRIMARY, 0, backend)) {
            ProxyEngine engine = start(transport, server);
            try (SocketChannel client = SocketChannel.open(new InetSocketAddress(VIP, vipPort))) {
                client.shutdownOutput(); // the client's FIN first
                await(() -> engine.stats().backPressurePauses() > 0 || engine.stats().errors() > 0,
                        "the engine to wait for the client to read (or to fail)");
                assertThat(drain(client)).as("bytes the client received after its FIN").isEqualTo(SIZE);
            } finally {
                engine.stop(Duration.ofSeconds(1));
            }
            assertThat(engine.stats().errors()).as("errors").isZero();
            assertThat(engine.stats().bytesToClients()).isEqualTo(SIZE);
        }
    }

    /**
     * The client resets its connection while the engine is not reading it (the backend was not reading, so the
     * engine had paused the client), then the backend sends its FIN: the engine must end the pair on every
     * transport, whichever of the reset and the FIN it learns of first.
     */
    @ParameterizedTest
    @MethodSource("io.lb4j.engine.proxy.TestSupport#transports")
    void clientResetWhileNotReadThenTheBackendsFinEndsThePair(Transport transport) throws Exception {
        CountDownLatch clientReset = new CountDownLatch(1);
        CompletableFuture<Void> backendSawTheEnd = new CompletableFuture<>();
        Handler backend = ch -> {
            awaitLatch(clientReset); // not reading until then: the engine stops reading the client
            ch.shutdownOutput(); // the backend's FIN, with the client's bytes still unread
            try {
                drain(ch);
            } catch (IOException reset) {
                // a reset ends the pair as well as a FIN does
            }
            backendSawTheEnd.complete(null);
        };
        try (TestServer server = TestServer.start(PRIMARY, 0, backend)) {
            ProxyEngine engine = start(transport, server);
            try {
                SocketChannel client = SocketChannel.open(new InetSocketAddress(VIP, vipPort));
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> send(client, SIZE));
                await(() -> engine.stats().backPressurePauses() > 0, "the engine to stop reading the client");
                client.setOption(StandardSocketOptions.SO_LINGER, 0);
                client.close(); // a reset, which the engine does not read: it is not reading the client
                assertThat(sending).failsWithin(Duration.ofSeconds(30)); // the sender's channel was closed
                clientReset.countDown();
                backendSawTheEnd.get(30, TimeUnit.SECONDS);
                await(() -> engine.stats().activeConnections() == 0, "the engine to end the pair");
            } finally {
                clientReset.countDown();
                engine.stop(Duration.ofSeconds(1));
            }
        }
    }

    /**
     * A socket whose peer reset it before the FIN was relayed: {@code shutdown(SHUT_WR)} fails with
     * {@code ENOTCONN}, which Netty throws unchecked. Seen at the end of every {@code wrk} run (the exiting client's
     * resets and the backends' FINs completing in one batch of events): the exception escaped into Netty's listener
     * as a warning with a stack trace and the pair waited for the reset's own event to close.
     */
    @Test
    void aFinForASocketItsPeerResetReportsTheSocketGone() throws Exception {
        Epoll.ensureAvailability(); // loads Netty's native socket library
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket socket = Socket.newSocketStream();
            try {
                socket.connect(server.getLocalSocketAddress()); // loopback: established once accept returns
                try (java.net.Socket accepted = server.accept()) {
                    accepted.setSoLinger(true, 0); // the close resets
                }
                await(() -> soError(socket) != 0, "the reset to reach the socket");
                assertThat(TcpPair.sendFin(socket)).isFalse();
            } finally {
                socket.close();
            }
        }
    }

    private static int soError(Socket socket) {
        try {
            return socket.getSoError();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ProxyEngine start(Transport transport, TestServer server) {
        vipPort = TestSupport.freeTcpPort(VIP);
        VirtualService spec = TestSupport.service("HALF", vipPort)
                .real("B", PRIMARY.getHostAddress(), r -> r.port(server.port())).build();
        Backend b = TestSupport.real(spec, "B");
        // Small buffers, so "more than the kernel buffers" is a few hundred KiB, not the 8 MiB sent.
        ProxyEngine engine = ProxyEngine.builder().transport(transport).ioThreads(1).socketReceiveBuffer(64 * 1024)
                .build();
        engine.start(TaskClock::system);
        engine.install(TestSupport.table(spec, 1, List.of(b), null));
        return engine;
    }

    private static void send(SocketChannel ch, int size) {
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        try {
            for (int left = size; left > 0; ) {
                chunk.clear().limit(Math.min(left, chunk.capacity()));
                left -= chunk.remaining();
                TestServer.writeFully(ch, chunk);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting for the test to let the backend read");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
