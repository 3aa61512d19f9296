package io.lb4j.appliance;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster node ({@code cluster:}) whose BIRD is not running, on loopback with the proxy engine (no root): the node
 * serves all the same, says that its announcement FAILED (and keeps retrying), withdraws on SIGTERM, and a reload that
 * changes the cluster settings warns that they wait for a restart. With BIRD, the namespace tests
 * ({@code ActiveActiveClusterTest}) show the announcement itself.
 */
class ClusterNodeRunnerTest {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private String file(int port, long localAs) {
        return """
                engine: { type: proxy, ioThreads: 1 }
                services:
                  - label: ECHO
                    address: 127.0.0.1
                    ports: [%d]
                    healthCheck: none
                    realServers: [ { label: main, address: 127.0.0.2, port: 9 } ]
                cluster:
                  daemon: bird
                  socket: %s
                  configFile: %s
                  localAs: %d
                  neighbours: [ { address: 10.218.0.1, as: 65000 } ]
                """.formatted(port, dir.resolve("no-bird.ctl"), dir.resolve("lb4j.conf"), localAs);
    }

    @Test
    void aNodeWhoseBirdIsMissingServesSaysFailedWritesItsFileAndWarnsOfClusterChangesOnReload() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path file = Files.writeString(dir.resolve("node.yaml"), file(port, 65001));
        try (ApplianceProcess p = ApplianceProcess.run(file)) {
            p.awaitStdoutContains("lb4j: cluster: 127.0.0.1 FAILED", STARTUP);
            p.awaitStdoutContains("lb4j: running 1 service(s)", STARTUP);
            // What BIRD would load: the VIP's route and the session toward the router.
            assertThat(Files.readString(dir.resolve("lb4j.conf"))).contains("route 127.0.0.1/32 blackhole;")
                    .contains("local as 65001;").contains("neighbor 10.218.0.1 as 65000;").contains("bfd on;");

            Files.writeString(file, file(port, 65002));
            p.signal("HUP");
            p.awaitStdoutContains("lb4j: reloaded: 1 service(s)", STARTUP);
            p.awaitStderrContains("lb4j: warning: cluster settings changed; they take effect only after a restart",
                    STARTUP);
            assertThat(Files.readString(dir.resolve("lb4j.conf"))).contains("local as 65001;");

            p.signal("TERM");
            p.awaitExit(STARTUP);
            assertThat(p.stdout()).contains("lb4j: cluster: routes withdrawn");
            assertThat(Files.readString(dir.resolve("lb4j.conf"))).doesNotContain("route 127.0.0.1/32");
        }
    }
}
