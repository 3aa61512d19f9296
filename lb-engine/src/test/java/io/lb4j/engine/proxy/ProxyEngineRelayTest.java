package io.lb4j.engine.proxy;

import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.TaskClock;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.proxy.TestSupport.PRIMARY;
import static io.lb4j.engine.proxy.TestSupport.VIP;
import static io.lb4j.engine.proxy.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Byte-exact relay through the proxy engine: many concurrent connections of random sizes, written in random chunks,
 * half-closed first by the client (echo) or first by the backend (stream), SHA-256 compared at both ends.
 *
 * <p>Wire protocol between test client and test backend: a 25-byte header (id, mode, response size, seed), then
 * the client's body. ECHO: the backend echoes the body and half-closes after the client's FIN. STREAM: the backend
 * sends {@code response size} bytes of {@link PatternStream}{@code (seed)} and half-closes while the client may still
 * be sending; half of those clients wait for the backend's FIN before sending the rest of their body.
 */
class ProxyEngineRelayTest {

    private static final int HEADER = 25;
    private static final byte ECHO = 0;
    private static final byte STREAM = 1;
    private static final int MIB = 1024 * 1024;

    /** SHA-256 of what the backend received, by connection id. */
    private final Map<Long, String> receivedByBackend = new ConcurrentHashMap<>();

    private record Plan(long id, byte mode, int bodySize, int responseSize, long seed, boolean waitForBackendFin,
                        int chunkSeed) {
    }

    private record Outcome(long id, String sent, String received, String expectedReceived, long bytesSent,
                           long bytesReceived) {
    }

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
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void relaysEveryByteOf500ConcurrentConnectionsWithHalfClosesFromEitherSide(Transport transport) throws Exception {
        relay(ProxyEngine.builder().transport(transport).build(), 500, 20260101L);
    }

    private void relay(ProxyEngine engine, int connections, long seed) throws Exception {
        try (TestServer backend = TestServer.start(PRIMARY, 0, this::serve)) {
            int vipPort = TestSupport.freeTcpPort(VIP);
            VirtualService spec = TestSupport.service("RELAY", vipPort)
                    .real("B", PRIMARY.getHostAddress(), r -> r.port(backend.port())).build();
            Backend b = TestSupport.real(spec, "B");
            engine.start(TaskClock::system);
            try {
                engine.install(TestSupport.table(spec, 1, List.of(b), null));

                List<Plan> plans = plans(connections, seed);
                List<Outcome> outcomes = new ArrayList<>();
                try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                    List<Future<Outcome>> futures = new ArrayList<>();
                    for (Plan p : plans) {
                        futures.add(clients.submit(() -> client(new InetSocketAddress(VIP, vipPort), p)));
                    }
                    for (Future<Outcome> f : futures) {
                        outcomes.add(f.get(80, TimeUnit.SECONDS));
                    }
                }

                // Every client got exactly what its backend sent...
                List<String> wrong = new ArrayList<>();
                for (int i = 0; i < outcomes.size(); i++) {
                    Outcome o = outcomes.get(i);
                    if (!o.received().equals(o.expectedReceived())) {
                        wrong.add(plans.get(i) + ": received " + o.bytesReceived() + " bytes");
                    }
                }
                assertThat(wrong).as("clients that received other bytes than their backend sent").isEmpty();
                // ...and every backend got exactly what its client sent.
                await(() -> receivedByBackend.size() == connections, "the backend to see every client's FIN");
                for (Outcome o : outcomes) {
                    assertThat(receivedByBackend.get(o.id())).as("bytes received by backend from %d", o.id())
                            .isEqualTo(o.sent());
                }
                // Every slot taken by routing is given back, once.
                await(() -> engine.stats().activeConnections() == 0 && b.activeConnections() == 0,
                        "all connections to end and release their backend slot");
                ProxyEngine.Stats stats = engine.stats();
                assertThat(stats.accepted()).isEqualTo(connections);
                assertThat(b.totalConnections()).isEqualTo(connections);
                assertThat(stats.bytesToBackends()).isEqualTo(outcomes.stream().mapToLong(Outcome::bytesSent).sum());
                assertThat(stats.bytesToClients()).isEqualTo(outcomes.stream().mapToLong(Outcome::bytesReceived).sum());
                assertThat(stats.refused()).isZero();
                assertThat(stats.connectFailures()).isZero();
                assertThat(stats.pendingBytes()).isZero();
            } finally {
                engine.stop(Duration.ofSeconds(1));
            }
        }
    }

    private static List<Plan> plans(int n, long seed) {
        Random r = new Random(seed);
        List<Plan> plans = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte mode = r.nextBoolean() ? ECHO : STREAM;
            int body = i == 0 ? 8 * MIB : size(r); // one at the upper bound on every run
            int response = mode == STREAM ? (i == 1 ? 8 * MIB : size(r)) : body;
            plans.add(new Plan(i, mode, body, response, r.nextLong(), mode == STREAM && r.nextBoolean(),
                    r.nextInt()));
        }
        return plans;
    }

    // Mostly small, some medium, a few up to 8 MiB: about 180 MiB relayed for 500 connections.
    private static int size(Random r) {
        int p = r.nextInt(100);
        if (p < 2) {
            return 8 * MIB - r.nextInt(MIB);
        }
        if (p < 20) {
            return r.nextInt(256 * 1024);
        }
        if (p < 25) {
            return 0;
        }
        return r.nextInt(16 * 1024);
    }

    private Outcome client(InetSocketAddress vip, Plan p) throws Exception {
        try (SocketChannel ch = SocketChannel.open(vip)) {
            Random chunks = new Random(p.chunkSeed());
            CompletableFuture<String[]> reading = CompletableFuture.supplyAsync(() -> readAll(ch, chunks.nextLong()),
                    Executors.newVirtualThreadPerTaskExecutor()::execute);
            ByteBuffer header = ByteBuffer.allocate(HEADER).putLong(p.id()).put(p.mode()).putLong(p.responseSize())
                    .putLong(p.seed()).flip();
            TestServer.writeFully(ch, header);
            MessageDigest sent = sha256();
            PatternStream body = new PatternStream(p.seed() ^ 0x5DEECE66DL);
            int half = p.waitForBackendFin() ? p.bodySize() / 2 : p.bodySize();
            writeRandomChunks(ch, body, half, sent, chunks);
            if (p.waitForBackendFin()) {
                reading.get(60, TimeUnit.SECONDS); // the backend has half-closed: we keep sending into it
                writeRandomChunks(ch, body, p.bodySize() - half, sent, chunks);
            }
            ch.shutdownOutput();
            String[] received = reading.get(60, TimeUnit.SECONDS);
            String sentHex = hex(sent);
            String expected = p.mode() == ECHO ? sentHex : hex(pattern(p.seed(), p.responseSize()));
            return new Outcome(p.id(), sentHex, received[0], expected, HEADER + (long) p.bodySize(),
                    Long.parseLong(received[1]));
        }
    }

    private static String[] readAll(SocketChannel ch, long seed) {
        Random r = new Random(seed);
        MessageDigest d = sha256();
        ByteBuffer buf = ByteBuffer.allocate(128 * 1024);
        long total = 0;
        try {
            while (true) {
                buf.clear().limit(1 + r.nextInt(buf.capacity()));
                int n = ch.read(buf);
                if (n < 0) {
                    return new String[] {hex(d), Long.toString(total)};
                }
                total += n;
                d.update(buf.flip());
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void writeRandomChunks(SocketChannel ch, PatternStream source, int size, MessageDigest d,
                                          Random chunks) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        int left = size;
        while (left > 0) {
            int n = Math.min(left, 1 + chunks.nextInt(chunk.length));
            source.next(chunk, 0, n);
            d.update(chunk, 0, n);
            TestServer.writeFully(ch, ByteBuffer.wrap(chunk, 0, n));
            left -= n;
        }
    }

    private static MessageDigest pattern(long seed, int size) {
        MessageDigest d = sha256();
        PatternStream s = new PatternStream(seed);
        byte[] chunk = new byte[64 * 1024];
        for (int left = size; left > 0; ) {
            int n = Math.min(left, chunk.length);
            s.next(chunk, 0, n);
            d.update(chunk, 0, n);
            left -= n;
        }
        return d;
    }

    /** The test backend: see the class documentation for the protocol. */
    private void serve(SocketChannel ch) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (header.hasRemaining()) {
            if (ch.read(header) < 0) {
                return;
            }
        }
        header.flip();
        long id = header.getLong();
        byte mode = header.get();
        long responseSize = header.getLong();
        long seed = header.getLong();
        MessageDigest received = sha256();
        ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
        if (mode == ECHO) {
            while (ch.read(buf.clear()) >= 0) {
                buf.flip();
                received.update(buf.duplicate());
                TestServer.writeFully(ch, buf);
            }
            receivedByBackend.put(id, hex(received));
            ch.shutdownOutput();
            return;
        }
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                writeRandomChunks(ch, new PatternStream(seed), (int) responseSize, sha256(), new Random(id));
                ch.shutdownOutput(); // backend-first half-close: the client may still be sending
            } catch (IOException e) {
                // reported by the client's mismatch
            }
        });
        while (ch.read(buf.clear()) >= 0) {
            received.update(buf.flip());
        }
        receivedByBackend.put(id, hex(received));
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }
}
