package io.lb4j.engine.proxy;

import io.lb4j.api.ProxyProtocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.TaskClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.proxy.TestSupport.PRIMARY;
import static io.lb4j.engine.proxy.TestSupport.VIP;
import static io.lb4j.engine.proxy.TestSupport.address;
import static io.lb4j.engine.proxy.TestSupport.freeTcpPort;
import static io.lb4j.engine.proxy.TestSupport.real;
import static io.lb4j.engine.proxy.TestSupport.table;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code proxyProtocol: v2} on loopback: the real server receives a PROXY protocol v2 header, parsed here byte by
 * byte as the specification (HAProxy's proxy-protocol.txt, section 2.2) lays it out, with the client's and the VIP's
 * addresses and ports, and then exactly the client's bytes; the header goes out at once, before the client sends
 * anything, and half-close still works both ways. On Java NIO and on epoll, whose early reads differ.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyEngineProxyProtocolTest {

    /** The v2 signature: \r\n\r\n\0\r\nQUIT\n. */
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** A client address other than the VIP's, so that source and destination differ in the header. */
    private static final InetAddress CLIENT = address("127.0.0.5");

    private ProxyEngine engine;
    private ServerSocket backend;

    /** What {@link #parseHeader} read. */
    record Header(int version, int command, int family, int transport, InetAddress source, InetAddress destination,
                  int sourcePort, int destinationPort) {
    }

    @BeforeAll
    static void watchLeaks() {
        LeakCheck.install();
    }

    @AfterAll
    static void noLeaks() {
        LeakCheck.assertNoLeaks();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (engine != null) {
            engine.stop(Duration.ZERO);
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static ProxyEngine engine(String transport) {
        Transport t = Transport.valueOf(transport.toUpperCase(java.util.Locale.ROOT));
        Assumptions.assumeTrue(t.isAvailable(), () -> transport + " unavailable: " + t.unavailabilityCause());
        ProxyEngine e = ProxyEngine.builder().transport(t).ioThreads(1).build();
        e.start(TaskClock::system);
        return e;
    }

    /** A v2 service on VIP:port to the backend on {@code real}; returns the VIP port. */
    private int install(InetAddress vip, InetAddress real) throws IOException {
        backend = new ServerSocket();
        backend.bind(new InetSocketAddress(real, 0));
        backend.setSoTimeout(10_000);
        int port = freeTcpPort(vip);
        VirtualService spec = VirtualService.proxy().label("PACS").address(vip).ports(port)
                .real("PrimaryCluster", real.getHostAddress(), r -> r.port(backend.getLocalPort()))
                .healthCheck(io.lb4j.api.HealthCheck.none()).proxyProtocol(ProxyProtocol.V2).build();
        engine.install(table(spec, 1, List.of(real(spec, "PrimaryCluster")), null));
        return port;
    }

    private static Socket connect(InetAddress from, InetAddress vip, int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000); // a broken engine fails the test instead of hanging it
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress(vip, port));
        return s;
    }

    /** Reads one PROXY v2 header field by field, failing on anything the specification does not allow here. */
    static Header parseHeader(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] signature = new byte[12];
        in.readFully(signature);
        assertThat(signature).as("the v2 signature").isEqualTo(SIGNATURE);
        int verCmd = in.readUnsignedByte();
        int fam = in.readUnsignedByte();
        int length = in.readUnsignedShort(); // network byte order
        int family = fam >> 4;
        int addressBytes = switch (family) {
            case 1 -> 4;  // AF_INET
            case 2 -> 16; // AF_INET6
            default -> throw new AssertionError("address family " + family + " (expected: 1 AF_INET or 2 AF_INET6)");
        };
        assertThat(length).as("the length of the address block (no TLVs)").isEqualTo(2 * addressBytes + 4);
        byte[] source = new byte[addressBytes];
        byte[] destination = new byte[addressBytes];
        in.readFully(source);
        in.readFully(destination);
        int sourcePort = in.readUnsignedShort();
        int destinationPort = in.readUnsignedShort();
        return new Header(verCmd >> 4, verCmd & 0x0F, family, fam & 0x0F, InetAddress.getByAddress(source),
                InetAddress.getByAddress(destination), sourcePort, destinationPort);
    }

    private static void assertHeader(Header h, Socket client, InetAddress vip, int port) {
        assertThat(h.version()).as("version").isEqualTo(2);
        assertThat(h.command()).as("command (1 = PROXY)").isEqualTo(1);
        assertThat(h.transport()).as("transport (1 = STREAM)").isEqualTo(1);
        assertThat(h.source()).as("source address").isEqualTo(client.getLocalAddress());
        assertThat(h.sourcePort()).as("source port").isEqualTo(client.getLocalPort());
        assertThat(h.destination()).as("destination address").isEqualTo(vip);
        assertThat(h.destinationPort()).as("destination port").isEqualTo(port);
    }

    private static byte[] payload(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll", "io_uring"})
    void theHeaderGoesOutAloneAtOnceThenTheClientsBytesExactlyAndHalfCloseWorksBothWays(String transport)
            throws Exception {
        engine = engine(transport);
        int port = install(VIP, PRIMARY);
        byte[] body = payload(300_000, 7); // several times maxPendingBytes: back-pressure on the way
        try (Socket client = connect(CLIENT, VIP, port); Socket server = backend.accept()) {
            // The real server speaks first: it gets the header although the client has sent nothing yet.
            Header h = parseHeader(server.getInputStream());
            assertThat(h.family()).as("address family (1 = AF_INET)").isEqualTo(1);
            assertHeader(h, client, VIP, port);
            server.getOutputStream().write("220 ready\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(client.getInputStream())).isEqualTo("220 ready");

            // Then the client's bytes, exactly, and its FIN after them.
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readAll(server));
            OutputStream out = client.getOutputStream();
            for (int at = 0; at < body.length; at += 8192) {
                out.write(body, at, Math.min(8192, body.length - at));
            }
            client.shutdownOutput();
            assertThat(Arrays.equals(received.get(20, TimeUnit.SECONDS), body)).as("the client's bytes, exactly")
                    .isTrue();

            // The real server still answers after the client's FIN, and its FIN reaches the client.
            server.getOutputStream().write("bye\n".getBytes(StandardCharsets.US_ASCII));
            server.shutdownOutput();
            assertThat(readLine(client.getInputStream())).isEqualTo("bye");
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(engine.stats().bytesToBackends()).as("counted: the client's bytes, not the header")
                .isEqualTo(body.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll", "io_uring"})
    void bytesAndFinTheClientSendsBeforeTheBackendIsConnectedFollowTheHeader(String transport) throws Exception {
        engine = engine(transport);
        int port = install(VIP, PRIMARY);
        byte[] body = payload(20_000, 11);
        try (Socket client = connect(CLIENT, VIP, port)) {
            // Everything at once, before the engine can have connected to the backend (it has not accepted yet).
            client.getOutputStream().write(body);
            client.shutdownOutput();
            try (Socket server = backend.accept()) {
                InputStream in = server.getInputStream();
                assertHeader(parseHeader(in), client, VIP, port);
                assertThat(Arrays.equals(in.readAllBytes(), body)).as("exactly the client's bytes, then its FIN")
                        .isTrue();
            }
        }
    }

    @Test
    void anIpv6ClientGetsATcp6Header() throws Exception {
        InetAddress v6 = address("::1");
        Assumptions.assumeTrue(canBind(v6), "no IPv6 loopback here");
        engine = engine("nio");
        int port = install(v6, v6); // the VIP's address on another port: allowed for a proxy
        try (Socket client = connect(v6, v6, port); Socket server = backend.accept()) {
            client.getOutputStream().write("C-ECHO".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            InputStream in = server.getInputStream();
            Header h = parseHeader(in);
            assertThat(h.family()).as("address family (2 = AF_INET6)").isEqualTo(2);
            assertHeader(h, client, v6, port);
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("C-ECHO");
        }
    }

    /**
     * On io_uring the plain service runs on the bare io_uring relay, which sends no PROXY header yet: a snapshot that
     * turns the header on must move its port to the relay that sends it (the first connection after it gets the
     * header), and one that turns it off moves it back (no header).
     */
    @Test
    void aSnapshotThatTurnsTheHeaderOnOrOffMovesThePortToTheRelayThatHonoursIt() throws Exception {
        engine = engine("io_uring");
        InetAddress vip = address("127.0.0.1");
        InetAddress real = address("127.0.0.2");
        backend = new ServerSocket();
        backend.bind(new InetSocketAddress(real, 0));
        backend.setSoTimeout(10_000);
        int port = freeTcpPort(vip);
        VirtualService plain = VirtualService.proxy().label("PACS").address(vip).ports(port)
                .real("PrimaryCluster", real.getHostAddress(), r -> r.port(backend.getLocalPort()))
                .healthCheck(io.lb4j.api.HealthCheck.none()).build();
        VirtualService withHeader = plain.toBuilder().proxyProtocol(ProxyProtocol.V2).build();

        engine.install(table(plain, 1, List.of(real(plain, "PrimaryCluster")), null));
        assertThat(firstBytesAtTheBackend(vip, port)).as("no header").isEqualTo("C-ECHO");
        engine.install(table(withHeader, 2, List.of(real(withHeader, "PrimaryCluster")), null));
        try (Socket client = connect(vip, vip, port); Socket server = backend.accept()) {
            client.getOutputStream().write("C-ECHO".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            assertHeader(parseHeader(server.getInputStream()), client, vip, port);
            assertThat(new String(server.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("C-ECHO");
        }
        engine.install(table(plain, 3, List.of(real(plain, "PrimaryCluster")), null));
        assertThat(firstBytesAtTheBackend(vip, port)).as("no header again").isEqualTo("C-ECHO");
    }

    private String firstBytesAtTheBackend(InetAddress vip, int port) throws IOException {
        try (Socket client = connect(vip, vip, port); Socket server = backend.accept()) {
            client.getOutputStream().write("C-ECHO".getBytes(StandardCharsets.US_ASCII));
            client.shutdownOutput();
            return new String(server.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static boolean canBind(InetAddress a) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(a, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] readAll(Socket s) {
        try {
            return s.getInputStream().readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("end of stream after \"" + line + "\"");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}
