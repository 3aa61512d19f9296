package io.lb4j.engine.proxy;

import io.lb4j.linux.StreamSocket;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import static io.lb4j.engine.proxy.TestSupport.PRIMARY;
import static io.lb4j.engine.proxy.TestSupport.VIP;
import static io.lb4j.engine.proxy.TestSupport.await;
import static io.lb4j.engine.proxy.TestSupport.drain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link UringRelay} and {@link UringListener} on a real io_uring loop with real sockets: every byte both ways,
 * half-close both ways, abort, and no descriptor left behind.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UringRelayTest {

    private EventLoopGroup group;
    private IoEventLoop loop;
    private UringBuffers buffers;
    private UringListener listener;
    private TestServer backend;
    private final AtomicInteger ended = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();
    private final AtomicReference<UringRelay> last = new AtomicReference<>();
    private long descriptorsBefore;

    @BeforeEach
    void ring() {
        assertThat(IoUring.isAvailable()).as("io_uring here").isTrue();
        descriptorsBefore = descriptors();
        group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        loop = (IoEventLoop) group.next();
        buffers = new UringBuffers();
    }

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.closeListener().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (backend != null) {
            backend.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    private void relayTo(Handler handler) throws Exception {
        backend = TestServer.start(PRIMARY, 0, handler);
        InetSocketAddress target = new InetSocketAddress(PRIMARY, backend.port());
        listener = UringListener.open(loop, new InetSocketAddress(VIP, 0), 1024, 0, (fd, peer) -> {
            UringRelay[] relay = new UringRelay[1];
            relay[0] = new UringRelay(loop, buffers, fd, new UringRelay.Events() {
                @Override
                public void connected(int errno) {
                    if (errno == 0) {
                        relay[0].start();
                    } else {
                        relay[0].closeBoth();
                    }
                }

                @Override
                public void relayed(boolean fromClient, int bytes) {
                }

                @Override
                public void paused(boolean toClient) {
                }

                @Override
                public void ending() {
                }

                @Override
                public void ended(boolean error) {
                    ended.incrementAndGet();
                    if (error) {
                        errors.incrementAndGet();
                    }
                }
            });
            try {
                relay[0].open();
            } catch (Exception e) {
                StreamSocket.close(fd);
                throw new IllegalStateException(e);
            }
            last.set(relay[0]);
            relay[0].connect(target);
        });
    }

    private SocketChannel client() throws IOException {
        return SocketChannel.open(new InetSocketAddress(VIP, listener.port()));
    }

    @Test
    void relaysEveryByteBothWaysOnFiftyConnectionsAtOnce() throws Exception {
        relayTo(ch -> { // echo until the client's FIN, then FIN
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            while (ch.read(b.clear()) >= 0) {
                TestServer.writeFully(ch, b.flip());
            }
            ch.shutdownOutput();
        });
        Random random = new Random(42);
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int size = random.nextInt(4 * 1024 * 1024);
            long seed = random.nextLong();
            clients.add(CompletableFuture.runAsync(() -> echoRoundTrip(size, seed)));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        await(() -> ended.get() == 50, "every pair to end");
        assertThat(errors.get()).as("pairs that ended on an error").isZero();
        assertNoDescriptorLeft();
    }

    /** Sends {@code size} random bytes in random chunks while reading the echo; both sides' checksums must match. */
    private void echoRoundTrip(int size, long seed) {
        try (SocketChannel ch = client()) {
            Random random = new Random(seed);
            CRC32 sent = new CRC32();
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> drainCrc(ch));
            byte[] chunk = new byte[70_000];
            for (int left = size; left > 0; ) {
                int n = Math.min(left, 1 + random.nextInt(chunk.length));
                random.nextBytes(chunk);
                sent.update(chunk, 0, n);
                TestServer.writeFully(ch, ByteBuffer.wrap(chunk, 0, n));
                left -= n;
            }
            ch.shutdownOutput();
            long[] got = {received.get(60, TimeUnit.SECONDS)};
            assertThat(got[0]).as("checksum of the %d bytes echoed", size).isEqualTo(sent.getValue());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long drainCrc(SocketChannel ch) {
        CRC32 crc = new CRC32();
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        try {
            while (ch.read(b.clear()) >= 0) {
                b.flip();
                crc.update(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return crc.getValue();
    }

    @Test
    void backendsFinFirstThenTheClientStillSendsEverything() throws Exception {
        int download = 3 * 1024 * 1024 + 7;
        int upload = 5 * 1024 * 1024 + 3;
        AtomicInteger backendReceived = new AtomicInteger(-1);
        relayTo(ch -> {
            TestServer.writeFully(ch, ByteBuffer.allocate(download));
            ch.shutdownOutput(); // the backend's FIN first
            backendReceived.set((int) drain(ch));
        });
        try (SocketChannel ch = client()) {
            assertThat(drain(ch)).as("bytes before the backend's FIN").isEqualTo(download);
            TestServer.writeFully(ch, ByteBuffer.allocate(upload));
            ch.shutdownOutput();
            await(() -> backendReceived.get() >= 0, "the backend to see the client's FIN");
        }
        assertThat(backendReceived.get()).as("bytes the backend got after its own FIN").isEqualTo(upload);
        await(() -> ended.get() == 1, "the pair to end");
        assertThat(errors.get()).isZero();
        assertNoDescriptorLeft();
    }

    @Test
    void abortResetsTheClient() throws Exception {
        relayTo(ch -> drain(ch));
        try (SocketChannel ch = client()) {
            TestServer.writeFully(ch, ByteBuffer.wrap(new byte[]{1}));
            await(() -> last.get() != null, "the relay");
            last.get().abort();
            assertThatThrownBy(() -> drain(ch)).isInstanceOf(IOException.class)
                    .hasMessageContaining("reset");
        }
        await(() -> ended.get() == 1, "the pair to end");
        assertNoDescriptorLeft();
    }

    @Test
    void aRefusedConnectClosesTheClient() throws Exception {
        relayTo(ch -> { });
        backend.close(); // nothing listens on the target now
        try (SocketChannel ch = client()) {
            assertThat(drain(ch)).as("bytes from a pair whose backend refused").isZero();
        }
        await(() -> ended.get() == 1, "the pair to end");
        assertNoDescriptorLeft();
    }

    @Test
    void theRelayNeedsLinux519ForCancellingByDescriptor() {
        assertThat(UringOps.kernelAtLeast("6.18.44-fc-v1272", 5, 19)).isTrue();
        assertThat(UringOps.kernelAtLeast("5.19.0", 5, 19)).isTrue();
        assertThat(UringOps.kernelAtLeast("5.18.17-arch1", 5, 19)).isFalse();
        assertThat(UringOps.kernelAtLeast("4.19", 5, 19)).isFalse();
        assertThat(UringOps.kernelAtLeast("unknown", 5, 19)).isFalse();
    }

    private void assertNoDescriptorLeft() {
        // The listener and the loop's ring are still open: compare once they are closed too.
        listener.closeListener().awaitUninterruptibly(5, TimeUnit.SECONDS);
        listener = null;
        backend.close();
        backend = null;
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        await(() -> descriptors() <= descriptorsBefore, "descriptors back to " + descriptorsBefore);
    }

    private static long descriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? 0 : fds.length;
    }
}
