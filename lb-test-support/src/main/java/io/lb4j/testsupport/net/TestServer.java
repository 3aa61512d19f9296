package io.lb4j.testsupport.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real TCP server of the tests: one address, one or more ports, every accepted connection served by a
 * {@link Handler} on a virtual thread of its own. A port can be stopped (connections refused; established ones
 * continue) and listened on again, as a real server's service stops and comes back.
 *
 * <pre>{@code
 * try (TestServer primary = TestServer.start(InetAddress.ofLiteral("127.0.0.2"), List.of(20104, 20080),
 *         Handler.greetWithLocalAddress().then(Handler.hold()))) {
 *     primary.stop(20104);                    // the DICOM port refuses connections from now on
 *     primary.listen(20104);                  // and accepts them again
 * }
 * }</pre>
 *
 * <p>Listeners set {@code SO_REUSEADDR} (a port can be reopened while old connections linger in TIME_WAIT) and a
 * backlog of {@value #BACKLOG}, so connects succeed even while the JVM is descheduled on a loaded machine.
 * {@link #close()} closes every listener and every connection. Thread-safe.
 */
public final class TestServer implements AutoCloseable {

    /** The listen backlog; the kernel caps it at {@code net.core.somaxconn}. */
    public static final int BACKLOG = 4096;

    private final InetAddress address;
    private final Handler handler;
    private final Map<Integer, Listener> listeners = new ConcurrentHashMap<>();
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();

    private record Listener(ServerSocketChannel channel, Thread acceptor) {
    }

    private TestServer(InetAddress address, Handler handler) {
        this.address = address;
        this.handler = handler;
    }

    /**
     * A server on {@code address}, listening on every port of {@code ports} (0 = a free port the kernel picks).
     *
     * @throws UncheckedIOException naming the address and port that cannot be bound; nothing stays open then
     */
    public static TestServer start(InetAddress address, Collection<Integer> ports, Handler handler) {
        TestServer s = new TestServer(address, handler);
        try {
            ports.forEach(s::listen);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** A server on {@code address} and {@code port} (0 = a free port the kernel picks). */
    public static TestServer start(InetAddress address, int port, Handler handler) {
        return start(address, List.of(port), handler);
    }

    /** A server on a free port of the loopback address (127.0.0.1). */
    public static TestServer loopback(Handler handler) {
        return start(InetAddress.getLoopbackAddress(), 0, handler);
    }

    /**
     * Listens on {@code port} (again); does nothing when it already does. Port 0 binds a free port (see
     * {@link #ports()}).
     *
     * @throws UncheckedIOException naming the address and port when it cannot be bound
     */
    public synchronized void listen(int port) {
        if (port != 0 && listeners.containsKey(port)) {
            return;
        }
        ServerSocketChannel channel = null;
        try {
            channel = ServerSocketChannel.open();
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(address, port), BACKLOG);
            int bound = ((InetSocketAddress) channel.getLocalAddress()).getPort();
            ServerSocketChannel c = channel;
            Thread acceptor = Thread.ofVirtual().name("test-server-" + address.getHostAddress() + ":" + bound)
                    .start(() -> accept(c));
            listeners.put(bound, new Listener(channel, acceptor));
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("cannot listen on " + address.getHostAddress() + ":" + port, e);
        }
    }

    /**
     * Stops listening on {@code port}: new connections are refused, established ones continue. Returns once the port
     * is free to bind again.
     */
    public synchronized void stop(int port) {
        Listener l = listeners.remove(port);
        if (l == null) {
            return;
        }
        closeQuietly(l.channel());
        try {
            // The port is only released once the thread blocked in accept() has let go of the channel.
            if (!l.acceptor().join(Duration.ofSeconds(5))) {
                throw new IllegalStateException("acceptor for " + address.getHostAddress() + ":" + port
                        + " did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops listening on every port; established connections continue. */
    public synchronized void stopAll() {
        new ArrayList<>(listeners.keySet()).forEach(this::stop);
    }

    private void accept(ServerSocketChannel channel) {
        while (channel.isOpen()) {
            SocketChannel connection;
            try {
                connection = channel.accept();
            } catch (IOException e) {
                return; // stopped
            }
            accepted.incrementAndGet();
            open.add(connection);
            Thread.ofVirtual().start(() -> {
                try (connection) {
                    handler.serve(connection);
                } catch (IOException e) {
                    // the peer went away or the server closed: the test asserts on what the client saw
                } finally {
                    open.remove(connection);
                }
            });
        }
    }

    /** The address the server listens on. */
    public InetAddress address() {
        return address;
    }

    /**
     * The one port the server listens on.
     *
     * @throws IllegalStateException when it listens on none or on several
     */
    public int port() {
        List<Integer> ports = ports();
        if (ports.size() != 1) {
            throw new IllegalStateException("port(): the server listens on " + ports + " (expected: one port)");
        }
        return ports.getFirst();
    }

    /** The ports listened on now, in ascending order. */
    public List<Integer> ports() {
        return List.copyOf(new TreeMap<>(listeners).keySet());
    }

    /** Connections accepted since start. */
    public int accepted() {
        return accepted.get();
    }

    /** Connections accepted and not yet closed. */
    public int openConnections() {
        return open.size();
    }

    /** Closes every listener and every connection. */
    @Override
    public synchronized void close() {
        stopAll();
        open.forEach(TestServer::closeQuietly);
    }

    /** Writes all of {@code buffer}: a blocking channel may still return after a partial write when interrupted. */
    public static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // closing on stop or teardown; nothing else to do
        }
    }
}
