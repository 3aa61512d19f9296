package io.lb4j.testsupport.net;

import io.lb4j.testsupport.process.ChildProcess;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestServerTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(LOOPBACK, port), 2000);
        s.setSoTimeout(5000);
        return s;
    }

    private static String firstLine(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII), 1).readLine();
    }

    /** Polls {@code condition} until it holds, failing after 5 s. */
    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for %s", what).isNegative();
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos()); // paces the polling on a shared machine
        }
    }

    @Test
    void greetsThenEchoesEveryByteAndHalfClosesAfterTheClient() throws Exception {
        try (TestServer server = TestServer.loopback(Handler.greet("primary").then(Handler.echo()));
             Socket s = connect(server.port())) {
            byte[] data = new byte[300_000];
            new Random(1).nextBytes(data);
            assertThat(firstLine(s)).isEqualTo("primary");
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(data);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            byte[] back = s.getInputStream().readAllBytes();                  // ends at the server's FIN
            writer.join();
            assertThat(back).isEqualTo(data);
            assertThat(server.accepted()).isEqualTo(1);
        }
    }

    @Test
    void aServerOfManyPortsGreetsWithTheAddressAndPortReachedAndHoldsTheConnection() throws Exception {
        List<Integer> ports = List.of(0, 0);
        try (TestServer server = TestServer.start(LOOPBACK, ports,
                Handler.greetWithLocalAddress().then(Handler.hold()))) {
            assertThat(server.ports()).hasSize(2);
            for (int port : server.ports()) {
                try (Socket s = connect(port)) {
                    assertThat(firstLine(s)).isEqualTo("127.0.0.1:" + port);
                    await(() -> server.openConnections() == 1, "the held connection");
                }
                await(() -> server.openConnections() == 0, "the server to see the client's close");
            }
            assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class)
                    .hasMessage("port(): the server listens on " + server.ports() + " (expected: one port)");
        }
    }

    @Test
    void aStoppedPortRefusesNewConnectionsKeepsEstablishedOnesAndListensAgain() throws Exception {
        try (TestServer server = TestServer.loopback(Handler.greet("x").then(Handler.echo()))) {
            int port = server.port();
            try (Socket established = connect(port)) {
                assertThat(firstLine(established)).isEqualTo("x");

                server.stop(port);

                assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);
                assertThat(server.ports()).isEmpty();
                established.getOutputStream().write('a');
                assertThat(established.getInputStream().read()).as("established connection still echoes")
                        .isEqualTo('a');

                server.listen(port);

                try (Socket again = connect(port)) {
                    assertThat(firstLine(again)).isEqualTo("x");
                }
            }
        }
    }

    @Test
    void closeEndsEveryConnection() throws Exception {
        TestServer server = TestServer.loopback(Handler.hold());
        try (Socket s = connect(server.port())) {
            await(() -> server.openConnections() == 1, "the connection");
            server.close();
            InputStream in = s.getInputStream();
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void tagLinesAnswersEachLineWithTheTag() throws Exception {
        try (TestServer server = TestServer.loopback(Handler.tagLines("A")); Socket s = connect(server.port())) {
            s.getOutputStream().write("one\ntwo\n".getBytes(StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("A:one");
            assertThat(in.readLine()).isEqualTo("A:two");
        }
    }

    @Test
    void closeHandlerAcceptsAndClosesAtOnce() throws Exception {
        try (TestServer server = TestServer.loopback(Handler.close()); Socket s = connect(server.port())) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aPortThatIsTakenFailsNamingAddressAndPort() {
        try (TestServer first = TestServer.loopback(Handler.hold())) {
            int taken = first.port();
            assertThatThrownBy(() -> TestServer.start(LOOPBACK, List.of(0, taken), Handler.hold()))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessage("cannot listen on 127.0.0.1:" + taken);
        }
    }

    private static final Duration STALL = Duration.ofSeconds(10);
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void digestUploadsAndDownloadsAreCheckedBySha256AtBothEnds() throws Exception {
        try (TestServer server = TestServer.loopback(Handler.greet("primary 2001").then(Handler.digest()))) {
            InetSocketAddress to = new InetSocketAddress(LOOPBACK, server.port());
            long bytes = 20L * 1024 * 1024 + 12_345;                           // not a whole number of chunks

            Transfer.Result up = Transfer.upload(to, bytes, 7, STALL, LIMIT);
            Transfer.Result down = Transfer.download(to, bytes, 7, STALL, LIMIT);

            assertThat(up.greeting()).isEqualTo("primary 2001");
            assertThat(up.bytes()).isEqualTo(bytes);
            assertThat(down.sha256()).as("the same generated bytes either way").isEqualTo(up.sha256())
                    .isEqualTo(sha256OfGenerated(bytes, 7));
            assertThat(Transfer.download(to, bytes, 8, STALL, LIMIT).sha256()).isNotEqualTo(up.sha256());
            assertThat(Transfer.upload(to, 0, 7, STALL, LIMIT).sha256()).isEqualTo(sha256OfGenerated(0, 7));
        }
    }

    private static String sha256OfGenerated(long bytes, long seed) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SplittableRandom generator = Transfer.generator(seed);
        byte[] chunk = new byte[Transfer.CHUNK];
        for (long left = bytes; left > 0; left -= chunk.length) {
            generator.nextBytes(chunk);
            sha.update(chunk, 0, (int) Math.min(chunk.length, left));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void aTransferWhoseDigestDiffersFailsWithBothDigests() throws Exception {
        Handler lying = connection -> {
            Transfer.readLine(Channels.newInputStream(connection));
            Handler.hold().serve(connection);                                  // reads to the end
            Handler.send("1000 " + "0".repeat(64) + "\n").serve(connection);
        };
        try (TestServer server = TestServer.loopback(Handler.greet("x").then(lying))) {
            assertThatThrownBy(() -> Transfer.upload(new InetSocketAddress(LOOPBACK, server.port()), 1000, 1, STALL,
                    LIMIT)).isInstanceOf(IOException.class)
                    .hasMessageContaining("the server received \"1000 " + "0".repeat(64) + "\" (bytes, SHA-256), "
                            + "the client sent \"1000 " + sha256OfGenerated(1000, 1) + "\"");
        }
    }

    @Test
    void aTransferThatStallsIsAbortedSayingHowFarItGot() {
        // The server greets and then reads nothing: the upload fills the socket buffers and stops moving.
        CountDownLatch release = new CountDownLatch(1);
        Handler stuck = connection -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (TestServer server = TestServer.loopback(Handler.greet("x").then(stuck))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> Transfer.upload(new InetSocketAddress(LOOPBACK, server.port()), 1L << 30, 1,
                    Duration.ofMillis(500), LIMIT)).isInstanceOf(IOException.class)
                    .hasMessageMatching("upload of 1073741824 bytes, .*: 0 bytes moved in 0\\.5 s "
                            + "\\(less than 1048576\\), aborted after \\d+ of 1073741824 bytes in \\d+\\.\\d s");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        } finally {
            release.countDown();
        }
    }

    @Test
    void theMainStopsAndListensOnAPortWhenToldOnStandardInput() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (ChildProcess main = ChildProcess.start("server-main", List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                TestServerMain.class.getName(), "srv", Integer.toString(port)))) {
            main.next("READY"::equals, Duration.ofSeconds(20));
            try (Socket established = connect(port)) {
                assertThat(firstLine(established)).isEqualTo("srv " + port);

                assertThat(main.ask("stop " + port, Duration.ofSeconds(10))).isEqualTo("OK stopped " + port);
                assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);
                established.getOutputStream().write('a');
                assertThat(established.getInputStream().read()).as("established connection still echoes")
                        .isEqualTo('a');

                assertThat(main.ask("listen " + port, Duration.ofSeconds(10))).isEqualTo("OK listening " + port);
                try (Socket again = connect(port)) {
                    assertThat(firstLine(again)).isEqualTo("srv " + port);
                }
                assertThat(main.ask("restart", Duration.ofSeconds(10))).startsWith("FAIL unknown command restart");
            }
        }
    }
}
