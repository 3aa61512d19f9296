package io.lb4j.engine.packet.lab;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpServer;

/**
 * A real server for the namespace lab: listens on the given ports on every address (the VIP on lo included). On 80
 * and 8080 it speaks HTTP: a POST is answered 200 with header {@code X-Server: <name> <port>} and the request body
 * echoed. On every other port it greets each connection with {@code "<name> <port>\n"} and then echoes every byte
 * until the client closes. Usage: {@code LabServer NAME PORT...}. Prints {@code READY} once every port listens.
 */
public final class LabServer {

    public static void main(String[] args) throws Exception {
        String name = args[0];
        for (int i = 1; i < args.length; i++) {
            int port = Integer.parseInt(args[i]);
            if (port == 80 || port == 8080) {
                HttpServer http = HttpServer.create(new InetSocketAddress(port), 256);
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
                continue;
            }
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(port), 256);
            Thread.ofPlatform().daemon().start(() -> accept(server, name, port));
        }
        System.out.println("READY");
        System.out.flush();
        System.in.read(); // runs until the test closes stdin or kills it
    }

    private static void accept(ServerSocket server, String name, int port) {
        while (true) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> serve(s, name, port));
            } catch (Exception e) {
                return;
            }
        }
    }

    private static void serve(Socket s, String name, int port) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            out.write((name + " " + port + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.transferTo(out);
        } catch (Exception e) {
            // the client went away
        }
    }
}
