package io.lb4j.engine.proxy;

import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.lb4j.engine.proxy.TestSupport.PRIMARY;
import static io.lb4j.engine.proxy.TestSupport.VIP;
import static io.lb4j.engine.proxy.TestSupport.await;
import static io.lb4j.engine.proxy.TestSupport.real;
import static io.lb4j.engine.proxy.TestSupport.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** UDP relay through the proxy engine: per-client sessions, replies from the VIP, idle expiry on the engine clock. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxyEngineUdpTest {

    private static final Duration IDLE = Duration.ofSeconds(10);

    private final VirtualClock clock = new VirtualClock();
    private DatagramChannel backendSocket;
    private ProxyEngine engine;
    private Backend backend;
    private int vipPort;

    @BeforeAll
    static void watchLeaks() {
        LeakCheck.install();
    }

    @AfterAll
    static void noLeaks() {
        LeakCheck.assertNoLeaks();
    }

    @BeforeEach
    void setUp() throws IOException {
        // The backend answers "<the source port it saw>:<payload>", so a test can tell the engine's sessions apart.
        backendSocket = DatagramChannel.open().bind(new InetSocketAddress(PRIMARY, 0));
        Thread.ofVirtual().start(() -> {
            ByteBuffer buf = ByteBuffer.allocate(2048);
            try {
                while (true) {
                    InetSocketAddress from = (InetSocketAddress) backendSocket.receive(buf.clear());
                    String payload = StandardCharsets.US_ASCII.decode(buf.flip()).toString();
                    backendSocket.send(StandardCharsets.US_ASCII.encode(from.getPort() + ":" + payload), from);
                }
            } catch (IOException closed) {
                // test over
            }
        });
        vipPort = TestSupport.freeUdpPort(VIP);
        VirtualService spec = TestSupport.service("SYSLOG", vipPort).protocol(Protocol.UDP)
                .real("R", PRIMARY.getHostAddress(),
                        r -> r.port(((InetSocketAddress) backendSocket.socket().getLocalSocketAddress()).getPort()))
                .build();
        backend = real(spec, "R");
        engine = ProxyEngine.builder().udpIdleTimeout(IDLE).build();
        engine.start(() -> clock);
        engine.install(table(spec, 1, List.of(backend), null));
    }

    @AfterEach
    void tearDown() throws IOException {
        engine.stop(Duration.ZERO);
        backendSocket.close();
    }

    private DatagramSocket client() throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(VIP, 0));
        s.setSoTimeout(5_000);
        return s;
    }

    /** Sends {@code payload} to the VIP; returns the reply and checks it came from the VIP. */
    private String ask(DatagramSocket s, String payload) throws IOException {
        byte[] out = payload.getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(out, out.length, new InetSocketAddress(VIP, vipPort)));
        DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
        s.receive(in);
        assertThat(in.getSocketAddress()).isEqualTo(new InetSocketAddress(VIP, vipPort));
        return new String(in.getData(), 0, in.getLength(), StandardCharsets.US_ASCII);
    }

    private static String upstreamPort(String reply) {
        return reply.substring(0, reply.indexOf(':'));
    }

    private static String payload(String reply) {
        return reply.substring(reply.indexOf(':') + 1);
    }

    @Test
    void relaysRequestsAndRepliesPerClientSessionFromTheVip() throws Exception {
        try (DatagramSocket a = client(); DatagramSocket b = client()) {
            String a1 = ask(a, "a1");
            String b1 = ask(b, "b1");
            String a2 = ask(a, "a2");
            String b2 = ask(b, "b2");

            // Each client got only its own replies...
            assertThat(List.of(payload(a1), payload(a2), payload(b1), payload(b2)))
                    .containsExactly("a1", "a2", "b1", "b2");
            // ...through one upstream socket per client.
            assertThat(upstreamPort(a1)).isEqualTo(upstreamPort(a2));
            assertThat(upstreamPort(b1)).isEqualTo(upstreamPort(b2));
            assertThat(upstreamPort(a1)).isNotEqualTo(upstreamPort(b1));
            assertThat(engine.stats().udpSessions()).isEqualTo(2);
            assertThat(backend.activeConnections()).isEqualTo(2);
            assertThat(engine.stats().bytesToBackends()).isEqualTo(8);
        }
    }

    @Test
    void idleSessionExpiresOnTheEngineClockAndTheNextDatagramOpensANewOne() throws Exception {
        try (DatagramSocket a = client(); DatagramSocket b = client()) {
            ask(a, "a1");
            ask(b, "b1");
            assertThat(engine.stats().udpSessions()).isEqualTo(2);

            // t=5 s: only A is heard from again.
            clock.advance(Duration.ofSeconds(5));
            ask(a, "a2");
            // t=11 s: B has been idle for 11 s and expires; A only for 6 s and stays.
            clock.advance(Duration.ofSeconds(6));
            await(() -> engine.stats().udpSessions() == 1, "B's session to expire");
            assertThat(backend.activeConnections()).isEqualTo(1);
            await(() -> clock.pendingTasks() == 1, "A's next idle check to be scheduled");

            // t=15 s: A has now been idle for 10 s too.
            clock.advance(Duration.ofSeconds(4));
            await(() -> engine.stats().udpSessions() == 0, "A's session to expire");
            assertThat(backend.activeConnections()).isZero();

            // A new datagram opens a new session, routed afresh.
            assertThat(payload(ask(b, "b2"))).isEqualTo("b2");
            assertThat(engine.stats().udpSessions()).isEqualTo(1);
            assertThat(backend.totalConnections()).isEqualTo(3);
        }
    }

    @Test
    void expireClosesTheBackendsSessions() throws Exception {
        try (DatagramSocket a = client()) {
            ask(a, "a1");
            engine.expire("SYSLOG", backend);
            await(() -> engine.stats().udpSessions() == 0 && backend.activeConnections() == 0,
                    "the session to be closed");
        }
    }

    @Test
    void datagramsOfNewClientsAreDroppedAndCountedWhenNoBackendCanTakeThem() throws Exception {
        VirtualService spec = TestSupport.service("NONE", TestSupport.freeUdpPort(VIP)).protocol(Protocol.UDP)
                .real("R", PRIMARY.getHostAddress(), r -> r.port(9)).build();
        engine.install(table(spec, 1, List.of(), null));
        try (DatagramSocket s = client()) {
            s.setSoTimeout(200);
            byte[] out = "x".getBytes(StandardCharsets.US_ASCII);
            s.send(new DatagramPacket(out, 1, new InetSocketAddress(VIP, spec.ports().getFirst())));
            await(() -> engine.stats().refused() == 1, "the datagram to be refused");
            assertThatThrownBy(() -> s.receive(new DatagramPacket(new byte[16], 16)))
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(engine.stats().udpSessions()).isZero();
        }
    }
}
