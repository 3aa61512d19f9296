package io.lb4j.testsupport.net;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * A {@link TestServer} as a program of its own, for a real server in a network namespace or a benchmark:
 * {@code TestServerMain NAME PORT...} listens on every address (a VIP on {@code lo} included) on each port, greets
 * each connection with {@code "NAME PORT\n"} and then echoes every byte until the client closes. A port written
 * {@code http:PORT} speaks HTTP/1.1 instead: a request is answered 200 with header {@code X-Server: NAME PORT} and its
 * body echoed. A port written {@code peer:PORT} greets with {@code "NAME PORT PEER_ADDRESS:PEER_PORT\n"} instead,
 * where the connection came from ({@link Handler#greetWithPeer}), then echoes. Prints {@code READY} once every port
 * listens; runs until it is killed.
 */
public final class TestServerMain {

    private TestServerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: TestServerMain NAME PORT... (a port written http:PORT speaks HTTP, peer:PORT"
                    + " greets with the peer's address)");
            System.exit(2);
        }
        String name = args[0];
        InetAddress any = new InetSocketAddress(0).getAddress(); // the wildcard address, IPv6 and IPv4
        List<Integer> tcp = new ArrayList<>();
        List<Integer> peer = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("http:")) {
                http(name, Integer.parseInt(args[i].substring("http:".length())));
            } else if (args[i].startsWith("peer:")) {
                peer.add(Integer.parseInt(args[i].substring("peer:".length())));
            } else {
                tcp.add(Integer.parseInt(args[i]));
            }
        }
        TestServer.start(any, tcp, Handler.greet(local -> name + " " + local.getPort()).then(Handler.echo()));
        if (!peer.isEmpty()) {
            TestServer.start(any, peer, Handler.greetWithPeer(name).then(Handler.echo()));
        }
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await(); // the listeners run on virtual threads, which keep no JVM alive
    }

    private static void http(String name, int port) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(port), TestServer.BACKLOG);
        http.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("X-Server", name + " " + port);
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.start();
    }
}
