package io.lb4j.engine.proxy;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.RoutingTable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Small helpers shared by the proxy engine tests: polling with a deadline, free ports, tables. */
final class TestSupport {

    static final InetAddress VIP = address("127.0.0.1");
    static final InetAddress PRIMARY = address("127.0.0.2");
    static final InetAddress SECONDARY = address("127.0.0.3");

    private TestSupport() {
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** Polls {@code condition} until it holds; fails with {@code what} when {@code timeout} passes first. */
    static void await(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
            }
            try {
                Thread.sleep(5); // a poll interval inside a deadline, not a wait for state
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for: " + what.get(), e);
            }
        }
    }

    static void await(BooleanSupplier condition, String what) {
        await(Duration.ofSeconds(20), condition, () -> what);
    }

    static int freeTcpPort(InetAddress address) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freeUdpPort(InetAddress address) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, 0))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A proxy service builder on the test VIP with no health check (the tests drive routing themselves). */
    static VirtualService.Builder service(String label, int... ports) {
        return VirtualService.proxy().label(label).address(VIP).ports(ports).healthCheck(HealthCheck.none());
    }

    static Backend real(VirtualService spec, String label) {
        return Backend.of(spec.realServer(label).orElseThrow());
    }

    static Backend fallback(VirtualService spec) {
        return Backend.of(spec.fallback().orElseThrow());
    }

    /**
     * Every transport the engine can use here, fastest first: NIO, and epoll and io_uring where they run. The tests
     * that relay bytes run once per transport: {@code @MethodSource("io.lb4j.engine.proxy.TestSupport#transports")}.
     */
    static List<Transport> transports() {
        return Transport.available();
    }

    static RoutingTable table(VirtualService spec, long version, List<Backend> backends, Backend fallback) {
        return new RoutingTable(spec, version, backends, fallback, backends.isEmpty(), null);
    }

    /** Reads {@code ch} until EOF; returns the number of bytes read. */
    static long drain(SocketChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        int n;
        while ((n = ch.read(buf.clear())) >= 0) {
            total += n;
        }
        return total;
    }
}
