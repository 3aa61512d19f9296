package io.lb4j.healthcheck.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A loopback TCP server that accepts every connection and then does whatever {@code behaviour} does with it (by
 * default: nothing, like a hung PACS that still accepts TCP). One virtual thread per connection; closes all on
 * {@link #close()}.
 */
public final class SilentServer implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> accepted = new ArrayList<>();

    private SilentServer(Consumer<Socket> behaviour) {
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(Loopback.ADDRESS, 0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                    Thread.ofVirtual().start(() -> behaviour.accept(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** Accepts and never answers. */
    public static SilentServer silent() {
        return new SilentServer(s -> { });
    }

    /** Accepts and runs {@code behaviour} on each connection. */
    public static SilentServer answering(Consumer<Socket> behaviour) {
        return new SilentServer(behaviour);
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.close();
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
