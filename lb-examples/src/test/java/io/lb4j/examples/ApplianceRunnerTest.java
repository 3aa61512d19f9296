package io.lb4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The appliance runner as a real child process: config errors, SIGHUP reload, SIGTERM stop. Loopback only. */
class ApplianceRunnerTest {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** A one-service file: VIP 127.0.0.1:{vipPort} forwarding to the backend on 127.0.0.1:{backendPort}. */
    private static String config(int vipPort, int backendPort) {
        return """
                engine: { type: proxy, ioThreads: 1 }
                services:
                  - label: ECHO
                    address: 127.0.0.1
                    ports: [%d]
                    healthCheck: none
                    realServers:
                      - { label: main, address: 127.0.0.1, port: %d }
                """.formatted(vipPort, backendPort);
    }

    @Test
    void badConfigFileIsRefusedWithFileAndLineAndNonZeroExit() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, config(freePort(), 9).replace("healthCheck: none", "healthCheck: none\n    colour: blue"));

        try (ApplianceProcess p = ApplianceProcess.run(file)) {
            int status = p.awaitExit(STARTUP);

            assertThat(status).isEqualTo(2);
            assertThat(p.stderr()).contains(file + ":7:5: unknown key \"colour\" in a service")
                    .contains("nothing started");
            assertThat(p.stdout()).doesNotContain("running");
        }
    }

    @Test
    void sighupReloadKeepsTheEstablishedConnectionAndAppliesTheNewConfig() throws Exception {
        int vip = freePort();
        int extraVip = freePort();
        try (TagEchoServer a = new TagEchoServer("A"); TagEchoServer b = new TagEchoServer("B")) {
            Path file = dir.resolve("lb.yaml");
            Files.writeString(file, config(vip, a.port()));
            try (ApplianceProcess p = ApplianceProcess.run(file)) {
                p.awaitStdoutContains("SIGHUP reloads the file", STARTUP);
                try (Line held = new Line(vip)) {
                    assertThat(held.ask("before")).isEqualTo("A:before");

                    // The new file sends ECHO's new connections to B and adds a second service on another port.
                    Files.writeString(file, config(vip, b.port()) + """
                              - label: EXTRA
                                address: 127.0.0.1
                                ports: [%d]
                                healthCheck: none
                                realServers: [ { label: a, address: 127.0.0.1, port: %d } ]
                            """.formatted(extraVip, a.port()));
                    p.signal("HUP");
                    p.awaitStdoutContains("lb4j: reloaded: 2 service(s)", STARTUP);

                    assertThat(held.ask("after")).as("the connection established before the reload")
                            .isEqualTo("A:after");
                    try (Line fresh = new Line(vip); Line extra = new Line(extraVip)) {
                        assertThat(fresh.ask("new")).isEqualTo("B:new");
                        assertThat(extra.ask("added")).isEqualTo("A:added");
                    }
                }
                assertThat(p.stdout()).contains("ECHO: service changed").contains("EXTRA: service added");
            }
        }
    }

    @Test
    void sighupWithABadFileKeepsTheRunningConfigAndSaysWhereTheFileIsWrong() throws Exception {
        int vip = freePort();
        try (TagEchoServer a = new TagEchoServer("A")) {
            Path file = dir.resolve("lb.yaml");
            Files.writeString(file, config(vip, a.port()));
            try (ApplianceProcess p = ApplianceProcess.run(file)) {
                p.awaitStdoutContains("SIGHUP reloads the file", STARTUP);

                Files.writeString(file, config(vip, a.port()).replace("ioThreads: 1", "ioThreads: 1, turbo: true"));
                p.signal("HUP");
                p.awaitStdoutContains("reload refused", STARTUP);

                assertThat(p.stderr()).contains(file + ":1:").contains("unknown key \"turbo\" in engine");
                try (Line line = new Line(vip)) {
                    assertThat(line.ask("still")).isEqualTo("A:still");
                }
            }
        }
    }

    @Test
    void sigtermStopsTheBalancerGracefully() throws Exception {
        int vip = freePort();
        try (TagEchoServer a = new TagEchoServer("A")) {
            Path file = dir.resolve("lb.yaml");
            Files.writeString(file, config(vip, a.port()));
            try (ApplianceProcess p = ApplianceProcess.run(file)) {
                p.awaitStdoutContains("SIGHUP reloads the file", STARTUP);

                p.signal("TERM");
                p.awaitExit(STARTUP);

                assertThat(p.stdout()).contains("lb4j: stopping").contains("lb4j: stopped");
                try (Socket s = new Socket()) {
                    assertThat(connects(s, vip)).as("VIP port closed after stop").isFalse();
                }
            }
        }
    }

    private static boolean connects(Socket s, int port) {
        try {
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A line-based client connection through the VIP. */
    private static final class Line implements AutoCloseable {
        private final Socket socket;
        private final BufferedReader in;
        private final PrintWriter out;

        Line(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(5000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
        }

        String ask(String line) throws IOException {
            out.println(line);
            return in.readLine();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
