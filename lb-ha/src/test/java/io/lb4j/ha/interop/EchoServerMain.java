package io.lb4j.ha.interop;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A real server for the pair namespace tests: on {@code PORT} (every address, the VIP on lo included) it greets each
 * connection with {@code "<name>\n"} and then echoes every byte until the client closes. Usage:
 * {@code EchoServerMain NAME PORT}; prints {@code READY} once listening; runs until stdin closes.
 */
public final class EchoServerMain {

    private EchoServerMain() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(Integer.parseInt(args[1])), 64);
        Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> serve(s, name));
                } catch (Exception e) {
                    return;
                }
            }
        });
        System.out.println("READY");
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the test closes stdin or kills it
        }
    }

    private static void serve(Socket s, String name) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.transferTo(out);
        } catch (Exception e) {
            // the client went away
        }
    }
}
