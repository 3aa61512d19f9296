package io.lb4j.benchmarks.healthcheck;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Where the benchmark's loopback listeners live: target {@code i} is port {@code basePort + i % PORTS_PER_ADDRESS} on
 * address {@code 127.77.x.y} number {@code i / PORTS_PER_ADDRESS}. Many addresses times a few ports keeps every
 * listener on loopback, below the ephemeral port range, and distinct 4-tuples spread TIME_WAIT.
 */
final class Targets {

    static final int PORTS_PER_ADDRESS = 100;
    static final int DEFAULT_BASE_PORT = 30000;

    private Targets() {
    }

    static InetAddress address(int i) {
        int a = i / PORTS_PER_ADDRESS;
        byte[] ip = {127, 77, (byte) (a / 200), (byte) (1 + a % 200)};
        try {
            return InetAddress.getByAddress(ip);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static int port(int basePort, int i) {
        return basePort + i % PORTS_PER_ADDRESS;
    }

    static InetSocketAddress socket(int basePort, int i) {
        return new InetSocketAddress(address(i), port(basePort, i));
    }
}
