package io.lb4j.healthcheck.net;

import io.lb4j.healthcheck.support.Loopback;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback listener that drops SYNs, so that a connect to it times out: Linux does so while a listener's accept
 * queue is full, hence a listener that never accepts, with backlog 1, filled by plain connects. (A connect check
 * cannot fill it itself: it resets before the server has a connection to accept, as HAProxy's does.)
 */
final class BlackHole implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress address;
    private final List<Socket> fillers = new ArrayList<>();

    BlackHole() throws IOException {
        server = new ServerSocket(0, 1, Loopback.ADDRESS);
        address = new InetSocketAddress(Loopback.ADDRESS, server.getLocalPort());
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            fillers.add(s);
            try {
                s.connect(address, 200);
            } catch (SocketTimeoutException full) {
                return; // this SYN was dropped: so are the next ones
            }
        }
        close();
        throw new IllegalStateException("the accept queue of " + address + " did not fill");
    }

    InetSocketAddress address() {
        return address;
    }

    @Override
    public void close() throws IOException {
        for (Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
