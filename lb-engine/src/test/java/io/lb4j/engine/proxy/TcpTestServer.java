package io.lb4j.engine.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real backend for the tests: blocking java.nio on virtual threads, one per accepted connection, running the
 * given {@link Handler}. {@link #close()} closes the listener and every connection.
 */
final class TcpTestServer implements AutoCloseable {

    @FunctionalInterface
    interface Handler {
        void serve(SocketChannel ch) throws IOException;
    }

    private final ServerSocketChannel server;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();

    private TcpTestServer(ServerSocketChannel server, Handler handler) {
        this.server = server;
        Thread.ofVirtual().name("test-server-" + port()).start(() -> acceptLoop(handler));
    }

    static TcpTestServer start(InetAddress address, int port, Handler handler) {
        try {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(new InetSocketAddress(address, port), 1024);
            return new TcpTestServer(s, handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code name} and a newline, then echoes until the client's FIN, then half-closes and closes. */
    static TcpTestServer namedEcho(InetAddress address, int port, String name) {
        return start(address, port, ch -> {
            writeFully(ch, ByteBuffer.wrap((name + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf) >= 0) {
                buf.flip();
                writeFully(ch, buf);
                buf.clear();
            }
            ch.shutdownOutput();
        });
    }

    private void acceptLoop(Handler handler) {
        while (server.isOpen()) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            open.add(ch);
            Thread.ofVirtual().start(() -> {
                try (ch) {
                    handler.serve(ch);
                } catch (IOException e) {
                    // the peer went away; the test asserts on what the client saw
                } finally {
                    open.remove(ch);
                }
            });
        }
    }

    static void writeFully(SocketChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    int port() {
        return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    }

    int accepted() {
        return accepted.get();
    }

    int openConnections() {
        return open.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel ch : open) {
            ch.close();
        }
    }
}
