package io.lb4j.engine.proxy;

import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.lb4j.testsupport.net.Transfer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.lb4j.engine.proxy.TestSupport.address;
import static io.lb4j.engine.proxy.TestSupport.freeTcpPort;
import static io.lb4j.engine.proxy.TestSupport.freeUdpPort;
import static io.lb4j.engine.proxy.TestSupport.table;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * IPv6 through the proxy engine, on real loopback sockets: an IPv6 VIP to an IPv6 real server, and across families
 * (an IPv4 VIP to an IPv6 real server and back), which a proxy can do since it opens its own connection to the real
 * server (with {@code preserveClientAddress} the families must match; {@code VirtualServiceValidationTest} and
 * {@code ProxyEngineClientAddressTest} cover that rule). Every byte is checked end to end by SHA-256.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyEngineIpv6Test {

    private static final InetAddress V4 = address("127.0.0.1");
    private static final InetAddress V6 = address("::1");
    private static final long BYTES = 8L * 1024 * 1024;
    private static final Duration STALL = Duration.ofSeconds(10);
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private ProxyEngine engine;
    private TestServer server;

    @BeforeAll
    static void watchLeaks() {
        LeakCheck.install();
    }

    @AfterAll
    static void noLeaks() {
        LeakCheck.assertNoLeaks();
    }

    @AfterEach
    void tearDown() {
        if (engine != null) {
            engine.stop(Duration.ZERO);
        }
        if (server != null) {
            server.close();
        }
    }

    /** Every transport here, times VIP family, times real-server family (v4 to v4 is every other test's case). */
    static Stream<Arguments> families() {
        return TestSupport.transports().stream().flatMap(t -> Stream.of(
                Arguments.of(t, V6, V6), Arguments.of(t, V4, V6), Arguments.of(t, V6, V4)));
    }

    @ParameterizedTest(name = "{0}: VIP {1} to real server {2}")
    @MethodSource("families")
    void relaysUploadsAndDownloadsByteExactBetweenAddressFamilies(Transport transport, InetAddress vip,
                                                                  InetAddress real) throws Exception {
        server = TestServer.start(real, 0, Handler.greetWithLocalAddress().then(Handler.digest()));
        int port = freeTcpPort(vip);
        VirtualService spec = VirtualService.proxy().label("PACS").address(vip).ports(port)
                .real("Primary", real.getHostAddress(), r -> r.port(server.port()))
                .build();
        engine = ProxyEngine.builder().transport(transport).build();
        engine.start(TaskClock::system);
        engine.install(table(spec, 1, List.of(Backend.of(spec.realServer("Primary").orElseThrow())), null));

        InetSocketAddress at = new InetSocketAddress(vip, port);
        Transfer.Result up = Transfer.upload(at, BYTES, 104, STALL, LIMIT);
        Transfer.Result down = Transfer.download(at, BYTES, 443, STALL, LIMIT);

        // The real server greets with the address it was reached on: the engine connected over the server's family.
        String reached = real.getHostAddress() + ":" + server.port();
        assertThat(up.greeting()).isEqualTo(reached);
        assertThat(up.bytes()).isEqualTo(BYTES);
        assertThat(down.greeting()).isEqualTo(reached);
        assertThat(down.bytes()).isEqualTo(BYTES);
    }

    @ParameterizedTest(name = "VIP {1} to real server {2}")
    @MethodSource("families")
    void relaysUdpDatagramsBetweenAddressFamilies(Transport transport, InetAddress vip, InetAddress real)
            throws Exception {
        try (DatagramChannel backend = DatagramChannel.open().bind(new InetSocketAddress(real, 0));
             DatagramChannel client = DatagramChannel.open().bind(new InetSocketAddress(vip, 0))) {
            int port = freeUdpPort(vip);
            int backendPort = ((InetSocketAddress) backend.getLocalAddress()).getPort();
            VirtualService spec = VirtualService.proxy().label("SYSLOG").address(vip).ports(port)
                    .protocol(Protocol.UDP).real("R", real.getHostAddress(), r -> r.port(backendPort)).build();
            engine = ProxyEngine.builder().transport(transport).build();
            engine.start(TaskClock::system);
            engine.install(table(spec, 1, List.of(Backend.of(spec.realServer("R").orElseThrow())), null));

            client.send(StandardCharsets.US_ASCII.encode("<13>MSH|^~\\&|lb4j"), new InetSocketAddress(vip, port));
            ByteBuffer buf = ByteBuffer.allocate(2048);
            InetSocketAddress from = (InetSocketAddress) backend.receive(buf);
            assertThat(StandardCharsets.US_ASCII.decode(buf.flip()).toString()).isEqualTo("<13>MSH|^~\\&|lb4j");
            assertThat(from.getAddress()).as("the engine's session socket, of the real server's family")
                    .isEqualTo(real);

            backend.send(StandardCharsets.US_ASCII.encode("ACK"), from);
            InetSocketAddress replyFrom = (InetSocketAddress) client.receive(buf.clear());
            assertThat(StandardCharsets.US_ASCII.decode(buf.flip()).toString()).isEqualTo("ACK");
            assertThat(replyFrom).as("the reply comes from the VIP").isEqualTo(new InetSocketAddress(vip, port));
        }
    }
}
