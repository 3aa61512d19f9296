package io.lb4j.ha.internal;

import io.lb4j.api.internal.Addresses;

import org.slf4j.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The listening end of a replication channel: accepts connections from the peers' addresses only, serves at most
 * {@code maxConnections} at once, each on its own virtual thread, and closes every one on {@link #close()}. A
 * connection from any other address, or beyond the limit, is closed at once and counted ({@link #refused()}); the
 * first and every 100th are logged at WARN (a scan cannot flood the log). A handler that throws ends its connection
 * only. Thread-safe.
 */
public final class PeerServer implements AutoCloseable {

    /** Serves one accepted connection until it ends; the socket is closed afterwards. */
    @FunctionalInterface
    public interface Handler {
        void serve(Socket socket) throws IOException;
    }

    private final ServerSocket server;
    private final Set<InetAddress> peers;
    private final int maxConnections;
    private final String name;
    private final Handler handler;
    private final Logger log;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads;
    private final Thread acceptor;
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closed;

    private PeerServer(ServerSocket server, Set<InetAddress> peers, int maxConnections, String name, Handler handler,
                       Logger log) {
        this.server = server;
        this.peers = peers;
        this.maxConnections = maxConnections;
        this.name = name;
        this.handler = handler;
        this.log = log;
        this.threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 0).factory());
        this.acceptor = Thread.ofPlatform().daemon().name(name).unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code bind} and starts accepting.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static PeerServer start(InetSocketAddress bind, InetAddress peer, int maxConnections, String name,
                                   Handler handler, Logger log) {
        return start(bind, Set.of(peer), maxConnections, name, handler, log);
    }

    /**
     * Binds {@code bind} and starts accepting from any of {@code peers}; {@code maxConnections} is the limit for all
     * of them together.
     *
     * @throws UncheckedIOException when the address cannot be bound
     */
    public static PeerServer start(InetSocketAddress bind, Set<InetAddress> peers, int maxConnections, String name,
                                   Handler handler, Logger log) {
        Set<InetAddress> copy = Set.copyOf(peers);
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(bind);
            PeerServer p = new PeerServer(s, copy, maxConnections, name, handler, log);
            p.acceptor.start();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(name + " could not listen on " + bind, e);
        }
    }

    /** The bound address (with the actual port when bound to port 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Connections closed at once: from another address than the peer's, or beyond the limit. */
    public long refused() {
        return refused.get();
    }

    /** Connections being served now. */
    public int connections() {
        return open.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("{}: accept failed: {}", name, e.toString());
                }
                continue;
            }
            InetAddress from = s.getInetAddress();
            String why = !peers.contains(from) ? "not " + peersText()
                    : open.size() >= maxConnections ? "already " + maxConnections + " connections (the limit)"
                    : null;
            if (why != null || closed) {
                refuse(s, why == null ? "closing" : why);
                continue;
            }
            open.add(s);
            threads.execute(() -> serve(s));
        }
    }

    private String peersText() {
        return peers.size() == 1 ? "the peer " + Addresses.text(peers.iterator().next())
                : "a peer " + peers.stream().map(Addresses::text).sorted().toList();
    }

    private void refuse(Socket s, String why) {
        long n = refused.incrementAndGet();
        if (n == 1 || n % 100 == 0) {
            log.warn("{}: refused a connection from {}: {} ({} refused so far)", name,
                    s.getRemoteSocketAddress(), why, n);
        }
        closeQuietly(s);
    }

    private void serve(Socket s) {
        try {
            s.setTcpNoDelay(true);
            handler.serve(s);
        } catch (IOException e) {
            if (!closed) {
                log.debug("{}: connection from {} ended: {}", name, s.getRemoteSocketAddress(), e.toString());
            }
        } catch (RuntimeException e) {
            // A bug in a handler ends this connection, never the server: the next connection is served.
            log.error("{}: serving {} failed", name, s.getRemoteSocketAddress(), e);
        } finally {
            open.remove(s);
            closeQuietly(s);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
    }

    /** Stops accepting and ends every connection; waits up to 2 s for the serving threads. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            log.debug("{}: closing the listening socket failed", name, e);
        }
        open.forEach(PeerServer::closeQuietly);
        threads.shutdown();
        try {
            acceptor.join(2_000);
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
