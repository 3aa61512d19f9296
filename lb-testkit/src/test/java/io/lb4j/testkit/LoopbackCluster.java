package io.lb4j.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A cluster on one loopback address: a real listener per port that greets each connection with
 * {@code "address:port\n"} (so a client knows where the balancer sent it) and then holds it open until the client
 * closes. Ports can be stopped (connections refused) and restarted.
 */
final class LoopbackCluster implements AutoCloseable {

    private final InetAddress address;
    private final Map<Integer, ServerSocket> listeners = new ConcurrentHashMap<>();
    private final Map<Integer, Thread> acceptors = new ConcurrentHashMap<>();
    private final List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

    LoopbackCluster(String address, List<Integer> ports) {
        this.address = InetAddress.ofLiteral(address);
        ports.forEach(this::listen);
    }

    void listen(int port) {
        if (listeners.containsKey(port)) {
            return;
        }
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(address, port), 128);
            listeners.put(port, server);
            acceptors.put(port, Thread.ofPlatform().daemon().name("cluster-" + address.getHostAddress() + ":" + port)
                    .start(() -> accept(server)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot listen on " + address.getHostAddress() + ":" + port, e);
        }
    }

    void stop(int port) {
        ServerSocket s = listeners.remove(port);
        if (s != null) {
            close(s);
        }
        Thread acceptor = acceptors.remove(port);
        if (acceptor != null) {
            try {
                // The port is only free again once the thread blocked in accept() has let go of the socket.
                if (!acceptor.join(Duration.ofSeconds(5))) {
                    throw new IllegalStateException("acceptor for port " + port + " did not stop");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void stopAll() {
        new ArrayList<>(listeners.keySet()).forEach(this::stop);
    }

    private void accept(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.add(s);
                Thread.ofVirtual().start(() -> serve(s, server.getLocalPort()));
            } catch (IOException e) {
                return; // closed by stop()
            }
        }
    }

    private void serve(Socket s, int port) {
        try (s; OutputStream out = s.getOutputStream(); InputStream in = s.getInputStream()) {
            out.write((address.getHostAddress() + ":" + port + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (in.read() >= 0) {
                // hold the connection until the client (or the balancer) closes it
            }
        } catch (IOException e) {
            // reset by the balancer on Halt: the connection is over either way
        } finally {
            accepted.remove(s);
        }
    }

    @Override
    public void close() {
        stopAll();
        accepted.forEach(LoopbackCluster::close);
    }

    private static void close(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing on teardown; nothing to do
        }
    }
}
