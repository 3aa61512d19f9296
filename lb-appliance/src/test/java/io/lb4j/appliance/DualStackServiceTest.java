package io.lb4j.appliance;

import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.lb4j.testsupport.net.Transfer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A dual-stack PACS from one appliance file, on the proxy engine (no root): IPv4 clients reach the VIP 127.0.0.1 and
 * IPv6 clients the VIP ::1, on the same port, and both go to the same real server.
 *
 * <p>A service has one VIP (as an LVS virtual server or a keepalived {@code virtual_server} has), so dual stack is
 * two services, one per family, listing the same real server: each has its own status, counters and failover, as
 * its clients are really two populations (the IPv6 one may fail over while the IPv4 one does not, if only the
 * v6 path breaks).
 */
class DualStackServiceTest {

    private static final Duration STARTUP = Duration.ofSeconds(20);
    private static final InetAddress V4 = InetAddress.ofLiteral("127.0.0.1");
    private static final InetAddress V6 = InetAddress.ofLiteral("::1");
    private static final long BYTES = 4L * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void ipv4AndIpv6ClientsReachTheSameRealServerThroughOneAppliance() throws Exception {
        int port = portFreeOnBoth();
        try (TestServer pacs = TestServer.start(V4, 0, Handler.greetWithLocalAddress().then(Handler.digest()))) {
            Path file = dir.resolve("lb.yaml");
            Files.writeString(file, """
                    engine: { type: proxy, ioThreads: 1 }
                    services:
                      - label: PACS
                        address: 127.0.0.1
                        ports: [%1$d]
                        healthCheck: none
                        realServers:
                          - { label: PrimaryCluster, address: 127.0.0.1, port: %2$d }
                      - label: PACS-v6
                        address: "::1"
                        ports: [%1$d]
                        healthCheck: none
                        realServers:
                          - { label: PrimaryCluster, address: 127.0.0.1, port: %2$d }
                    """.formatted(port, pacs.port()));
            try (ApplianceProcess p = ApplianceProcess.run(file)) {
                p.awaitStdoutContains("SIGHUP reloads the file", STARTUP);
                assertThat(p.stdout()).contains("PACS 127.0.0.1 [" + port + "]; PACS-v6 ::1 [" + port + "]");

                Transfer.Result v4 = Transfer.upload(new InetSocketAddress(V4, port), BYTES, 104,
                        Duration.ofSeconds(10), Duration.ofSeconds(30));
                Transfer.Result v6 = Transfer.upload(new InetSocketAddress(V6, port), BYTES, 11112,
                        Duration.ofSeconds(10), Duration.ofSeconds(30));
                Transfer.Result v6Down = Transfer.download(new InetSocketAddress(V6, port), BYTES, 2575,
                        Duration.ofSeconds(10), Duration.ofSeconds(30));

                String realServer = "127.0.0.1:" + pacs.port();
                assertThat(v4.greeting()).isEqualTo(realServer);
                assertThat(v6.greeting()).isEqualTo(realServer);
                assertThat(v6Down.greeting()).isEqualTo(realServer);
                assertThat(v4.bytes() + v6.bytes() + v6Down.bytes()).isEqualTo(3 * BYTES);
                assertThat(pacs.accepted()).isEqualTo(3);
            }
        }
    }

    /** A port free on 127.0.0.1 and on ::1 right now (another process could take it, rarely). */
    private static int portFreeOnBoth() throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (ServerSocket a = new ServerSocket(0, 1, V4); ServerSocket b = new ServerSocket()) {
                try {
                    b.bind(new InetSocketAddress(V6, a.getLocalPort()));
                    return a.getLocalPort();
                } catch (IOException taken) {
                    if (attempt == 20) {
                        throw taken;
                    }
                }
            }
        }
    }
}
