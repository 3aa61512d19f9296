package io.lb4j.engine.proxy;

import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetSocketAddress;
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

    /** Reads until EOF; returns the number of bytes read. */
    private static long drain(SocketChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        int n;
        while ((n = ch.read(buf.clear())) >= 0) {
            total += n;
        }
        return total;
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
            throw new java.io.UncheckedIOException(e);
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
