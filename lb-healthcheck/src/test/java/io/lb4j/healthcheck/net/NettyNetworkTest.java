package io.lb4j.healthcheck.net;

import io.lb4j.healthcheck.support.Loopback;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NettyNetworkTest {

    private final NettyNetwork network = NettyNetwork.create();

    @Test
    void connectCompletesWhenAPortAccepts() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, Loopback.ADDRESS)) {
            network.connect(new InetSocketAddress(Loopback.ADDRESS, server.getLocalPort()), Duration.ofSeconds(5))
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void connectToAClosedPortFailsWithConnectionRefused() {
        int port = Loopback.freePort();
        assertThatThrownBy(() -> network.connect(new InetSocketAddress(Loopback.ADDRESS, port), Duration.ofSeconds(5))
                .toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .cause().hasMessage("connection refused");
    }

    @Test
    void connectToAListenerWithAFullBacklogTimesOut() throws Exception {
        try (BlackHole hole = new BlackHole()) {
            assertThatThrownBy(() -> network.connect(hole.address(), Duration.ofMillis(300)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS))
                    .isInstanceOf(java.util.concurrent.ExecutionException.class)
                    .cause().hasMessage("timed out after 300ms");
        }
    }

    @Test
    void reasonsReadLikeAnOperatorWouldSayThem() {
        assertThat(Reasons.format(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(Reasons.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(Reasons.format(Duration.ofMillis(250))).isEqualTo("250ms");
    }
}
