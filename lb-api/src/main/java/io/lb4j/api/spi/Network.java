package io.lb4j.api.spi;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The network as health checks see it, so the same check strategies run against real sockets in production and
 * against the test kit's fake servers in tests.
 */
public interface Network {

    /**
     * Opens a TCP connection to {@code remote} and closes it again. Completes normally once the connection was
     * established, exceptionally with the reason (refused, unreachable, timed out) otherwise. Cancelling the
     * returned stage's future abandons the attempt and must release its socket.
     */
    CompletionStage<Void> connect(InetSocketAddress remote, Duration timeout);
}
