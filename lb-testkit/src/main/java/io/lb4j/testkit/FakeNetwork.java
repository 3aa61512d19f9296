package io.lb4j.testkit;

import io.lb4j.api.spi.Network;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The network the test kit's health checks use: answers from the {@link FakeServer}s at once, or never (a host
 * that is down or unknown), so the checks' own timeouts decide, in virtual time.
 */
final class FakeNetwork implements Network {

    private final Function<java.net.InetAddress, FakeServer> servers;

    FakeNetwork(Function<java.net.InetAddress, FakeServer> servers) {
        this.servers = servers;
    }

    @Override
    public CompletionStage<Void> connect(InetSocketAddress remote, Duration timeout) {
        FakeServer server = servers.apply(remote.getAddress());
        if (server == null || server.isDown()) {
            return new CompletableFuture<>(); // nothing answers: the caller's timeout fires
        }
        if (server.refuses(remote.getPort())) {
            return CompletableFuture.failedFuture(new ConnectException("connection refused"));
        }
        return CompletableFuture.completedFuture(null);
    }
}
