package io.lb4j.ha.replication;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.ha.flowsync.FlowSync;
import io.lb4j.ha.peer.PeerState;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pair's TCP channels between peers given as IPv6 literals, both on {@code ::1}: configuration replication applies
 * an IPv6 service on the secondary, flow sync connects and exchanges heartbeats, and every status and message writes
 * the peer as {@code [::1]:port}. (The channels are plain TCP over the peer address; what differs by family is how
 * an address is bound, compared and written.)
 */
class ReplicationBetweenIpv6PeersTest {

    private static final byte[] SECRET = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    private static final InetAddress V6 = InetAddress.ofLiteral("::1");
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @TempDir
    Path state;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeAfter.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeAfter.add(c);
        return c;
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as(what + " within " + WAIT).isNegative();
            Thread.onSpinWait();
        }
    }

    /** The appliance guide's service with an IPv6 VIP, real server and fallback. */
    private static VirtualService pacs6(int weight) {
        return VirtualService.directRouting().label("PACS-v6").address("2001:db8::100")
                .ports(104, 80, 8080, 443, 8443, 5222, 1001)
                .real("PrimaryCluster", "2001:db8::110", r -> r.weight(weight))
                .fallback("2001:db8::120", f -> f.masquerade(true))
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30)).failAfter(10))
                .failback(FailbackPolicy.holdDown(Duration.ofMinutes(2)))
                .build();
    }

    @Test
    void anIpv6ServiceChangedOnThePrimaryIsLiveOnTheSecondaryOverIpv6() throws InterruptedException {
        LoadBalancer primary = closing(LbTestKit.create()).start(LoadBalancer.builder().service(pacs6(100)));
        LoadBalancer secondary = closing(LbTestKit.create()).start(LoadBalancer.builder().service(pacs6(100)));
        ConfigReceiver receiver = closing(ConfigReceiver.builder(secondary).listen(new InetSocketAddress(V6, 0))
                .peer(V6).secret(SECRET).build().start());
        ConfigPublisher publisher = closing(ConfigPublisher.builder(primary).peer(receiver.address()).secret(SECRET)
                .stateDirectory(state).build().start());

        List<VirtualService> changed = List.of(pacs6(50), ServiceCodecTest.pacs());
        long version = publisher.reconfigure(changed);

        assertThat(publisher.awaitAcknowledged(version, WAIT)).isTrue();
        assertThat(secondary.services()).isEqualTo(changed);
        assertThat(publisher.status().state()).isEqualTo(PeerState.OK);
        assertThat(publisher.status().peer()).isEqualTo("[::1]:" + receiver.address().getPort());
        assertThat(receiver.status().state()).isEqualTo(PeerState.OK);
        assertThat(receiver.status().peer()).isEqualTo("::1");
    }

    @Test
    void anUnreachableIpv6SecondaryIsNamedWithBrackets() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, V6)) {
            closed = s.getLocalPort();
        }
        LoadBalancer primary = closing(LbTestKit.create()).start(LoadBalancer.builder().service(pacs6(100)));
        ConfigPublisher publisher = closing(ConfigPublisher.builder(primary).peer(new InetSocketAddress(V6, closed))
                .secret(SECRET).stateDirectory(state).build().start());

        await("the first failed connect", () -> publisher.failures() >= 1);

        assertThat(publisher.status().state()).isEqualTo(PeerState.UNREACHABLE);
        assertThat(publisher.status().detail()).startsWith("connection to [::1]:" + closed + ": ");
    }

    @Test
    void flowSyncConnectsBothWaysBetweenIpv6Peers() throws IOException {
        int portA = freePort();
        int portB = freePort();
        FlowSync a = closing(FlowSync.builder(PacketEngine.on("lb4jtest0")).listen(new InetSocketAddress(V6, portA))
                .peer(new InetSocketAddress(V6, portB)).secret(SECRET).build().start());
        FlowSync b = closing(FlowSync.builder(PacketEngine.on("lb4jtest1")).listen(new InetSocketAddress(V6, portB))
                .peer(new InetSocketAddress(V6, portA)).secret(SECRET).build().start());

        // Each sender passes the other's HELLO challenge; an empty frame, the heartbeat, then keeps each receiver OK.
        await("a connection and a heartbeat each way", () -> a.connections() >= 1 && b.connections() >= 1
                && a.receiverStatus().state() == PeerState.OK && b.receiverStatus().state() == PeerState.OK);

        assertThat(a.rejected() + b.rejected() + a.refusedConnections() + b.refusedConnections()).isZero();
        assertThat(a.senderStatus().peer()).isEqualTo("[::1]:" + portB);
        assertThat(b.senderStatus().peer()).isEqualTo("[::1]:" + portA);
        assertThat(a.receiverStatus().peer()).isEqualTo("::1");
        assertThat(b.receiverStatus().detail()).startsWith("receiving from [::1]:");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, V6)) {
            return s.getLocalPort();
        }
    }
}
