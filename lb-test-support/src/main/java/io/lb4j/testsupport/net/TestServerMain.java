package io.lb4j.testsupport.net;

import com.sun.net.httpserver.HttpServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

/**
 * A {@link TestServer} as a program of its own, for a real server in a network namespace or a benchmark:
 * {@code TestServerMain NAME PORT...} listens on every address (a VIP on {@code lo} included) on each port, greets
 * each connection with {@code "NAME PORT\n"} and then echoes every byte until the client closes. A port written
 * {@code http:PORT} speaks HTTP/1.1 instead: a request is answered 200 with header {@code X-Server: NAME PORT} and its
 * body echoed. A port written {@code digest:PORT} greets the same way and then serves {@link Handler#digest()}: bulk
 * uploads and downloads checked by SHA-256 (the client side is {@link Transfer}). A port written {@code peer:PORT}
 * greets with {@code "NAME PORT PEER_ADDRESS:PEER_PORT\n"} instead, where the connection came from
 * ({@link Handler#greetWithPeer}), then echoes. Prints {@code READY} once every port listens.
 *
 * <p>A test stops and restarts its (non-HTTP) services with commands on standard input, each answered by one line
 * ({@code OK ...} or {@code FAIL ...}): {@code stop PORT} (connections refused from now on, established ones go on),
 * {@code listen PORT}.
 */
public final class TestServerMain {

    private TestServerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: TestServerMain NAME PORT... (a port written http:PORT speaks HTTP, "
                    + "digest:PORT bulk transfers, peer:PORT greets with the peer's address)");
            System.exit(2);
        }
        String name = args[0];
        InetAddress any = new InetSocketAddress(0).getAddress(); // the wildcard address, IPv6 and IPv4
        List<Integer> tcp = new ArrayList<>();
        List<Integer> digest = new ArrayList<>();
        List<Integer> peer = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("http:")) {
                http(name, Integer.parseInt(args[i].substring("http:".length())));
            } else if (args[i].startsWith("digest:")) {
                digest.add(Integer.parseInt(args[i].substring("digest:".length())));
            } else if (args[i].startsWith("peer:")) {
                peer.add(Integer.parseInt(args[i].substring("peer:".length())));
            } else {
                tcp.add(Integer.parseInt(args[i]));
            }
        }
        Handler greet = Handler.greet(local -> name + " " + local.getPort());
        TestServer server = TestServer.start(any, tcp, greet.then(Handler.echo()));
        TestServer.start(any, digest, greet.then(Handler.digest()));
        if (!peer.isEmpty()) {
            TestServer.start(any, peer, Handler.greetWithPeer(name).then(Handler.echo()));
        }
        System.out.println("READY");
        System.out.flush();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = commands.readLine()) != null) {
            System.out.println(command(server, line.trim().split("\\s+")));
            System.out.flush();
        }
        new CountDownLatch(1).await(); // the listeners run on virtual threads, which keep no JVM alive
    }

    private static String command(TestServer server, String[] words) {
        try {
            if (words.length == 2 && words[0].equals("stop")) {
                server.stop(Integer.parseInt(words[1]));
                return "OK stopped " + words[1];
            }
            if (words.length == 2 && words[0].equals("listen")) {
                server.listen(Integer.parseInt(words[1]));
                return "OK listening " + words[1];
            }
            return "FAIL unknown command " + String.join(" ", words) + " (expected: stop PORT, listen PORT)";
        } catch (RuntimeException e) {
            return "FAIL " + e;
        }
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
