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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
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
