package io.lb4j.appliance;

import io.lb4j.admin.PasswordHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.CookieManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cluster node ({@code cluster:}) whose BIRD is not running, on loopback with the proxy engine (no root): the node
 * serves all the same, says that its announcement FAILED (and keeps retrying), withdraws on SIGTERM, and a reload that
 * changes the cluster settings warns that they wait for a restart; with {@code admin:}, the admin API shows the
 * announcement, an operator drains the node through it, and the metrics count. With BIRD, the namespace tests
 * ({@code ActiveActiveClusterTest}) show the announcement itself.
 */
class ClusterNodeRunnerTest {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private String file(int port, long localAs) {
        // The real server is never reached: no checks, and the test sends no traffic.
        return ApplianceFiles.oneService(port, 9) + """
                cluster:
                  daemon: bird
                  socket: %s
                  configFile: %s
                  localAs: %d
                  neighbours: [ { address: 10.218.0.1, as: 65000 } ]
                  lifeline: none
                """.formatted(dir.resolve("no-bird.ctl"), dir.resolve("lb4j.conf"), localAs);
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

    /**
     * The operations side, through the admin server of a running appliance: {@code GET /api/cluster} shows the VIP's
     * route (FAILED: BIRD is not running, the node keeps trying) with the file's daemon settings; an operator's
     * {@code POST /api/cluster/drain} withdraws it (out of BIRD's file, WITHDRAWN for DRAINED, audited) and
     * {@code /undrain} asks for it again; {@code /metrics} follows each step.
     */
    @Test
    void anOperatorDrainsTheNodeThroughTheAdminApiAndTheMetricsFollow() throws Exception {
        int port;
        int adminPort;
        try (ServerSocket s = new ServerSocket(0); ServerSocket a = new ServerSocket(0)) {
            port = s.getLocalPort();
            adminPort = a.getLocalPort();
        }
        Path tls = dir.resolve("admin-tls");
        Path file = Files.writeString(dir.resolve("node.yaml"), file(port, 65001) + """
                admin:
                  address: 127.0.0.1
                  port: %d
                  users: [ { name: operator, passwordHash: "%s" } ]
                  tls: { selfSignedDirectory: "%s" }
                """.formatted(adminPort, PasswordHash.of("s3cret".toCharArray()), tls));
        try (ApplianceProcess p = ApplianceProcess.run(file)) {
            p.awaitStdoutContains("lb4j: cluster: 127.0.0.1 FAILED", STARTUP);
            p.awaitStdoutContains("lb4j: admin server on https://127.0.0.1:" + adminPort + "/", STARTUP);
            HttpClient https = HttpClient.newBuilder().sslContext(ApplianceRunnerTest.trusting(tls))
                    .cookieHandler(new CookieManager()).connectTimeout(Duration.ofSeconds(5)).build();
            URI base = URI.create("https://127.0.0.1:" + adminPort);
            String login = send(https, HttpRequest.newBuilder(base.resolve("/api/login"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"operator\",\"password\":\"s3cret\"}")),
                    200);
            String csrf = login.replaceAll(".*\"csrfToken\":\"([^\"]+)\".*", "$1");

            String cluster = send(https, HttpRequest.newBuilder(base.resolve("/api/cluster")), 200);
            assertThat(cluster).startsWith("{\"daemon\":\"bird\",\"socket\":\"" + dir.resolve("no-bird.ctl")
                    + "\",\"localAs\":65001,\"neighbours\":[{\"address\":\"10.218.0.1\",\"as\":65000}],"
                    + "\"bfd\":true,\"drained\":false,\"routes\":[{\"vip\":\"127.0.0.1\",\"state\":\"FAILED\"")
                    .endsWith("\"reason\":\"SERVING\"}]}");
            assertThat(send(https, HttpRequest.newBuilder(base.resolve("/api/status")), 200))
                    .contains("\"cluster\":" + cluster);
            assertThat(send(https, HttpRequest.newBuilder(base.resolve("/metrics")), 200))
                    .contains("lb4j_cluster_announced{vip=\"127.0.0.1\"} 0.0")
                    .contains("lb4j_cluster_announcement_changes_total{to=\"FAILED\",vip=\"127.0.0.1\"} 1.0")
                    .contains("lb4j_cluster_drained 0.0");

            // The operator drains the node: the route leaves BIRD's file, and the node says why.
            String drained = send(https, HttpRequest.newBuilder(base.resolve("/api/cluster/drain"))
                    .header("X-CSRF-Token", csrf).POST(HttpRequest.BodyPublishers.noBody()), 200);
            assertThat(drained).contains("\"drained\":true")
                    .contains("{\"vip\":\"127.0.0.1\",\"state\":\"WITHDRAWN\"").endsWith("\"reason\":\"DRAINED\"}]}");
            assertThat(Files.readString(dir.resolve("lb4j.conf"))).doesNotContain("route 127.0.0.1/32");
            p.awaitStdoutContains("lb4j: cluster: 127.0.0.1 WITHDRAWN", STARTUP);
            assertThat(send(https, HttpRequest.newBuilder(base.resolve("/metrics")), 200))
                    .contains("lb4j_cluster_announcement_changes_total{to=\"WITHDRAWN\",vip=\"127.0.0.1\"} 1.0")
                    .contains("lb4j_cluster_drained 1.0");
            // The balancer itself serves on: only the routers' choice of this node changed.
            assertThat(send(https, HttpRequest.newBuilder(base.resolve("/api/health")), 200))
                    .contains("\"running\":true");

            // Undrained: the route is asked for again (FAILED again here, as BIRD is not running).
            String undrained = send(https, HttpRequest.newBuilder(base.resolve("/api/cluster/undrain"))
                    .header("X-CSRF-Token", csrf).POST(HttpRequest.BodyPublishers.noBody()), 200);
            assertThat(undrained).contains("\"drained\":false").contains("\"state\":\"FAILED\"");
            assertThat(Files.readString(dir.resolve("lb4j.conf"))).contains("route 127.0.0.1/32 blackhole;");
            assertThat(send(https, HttpRequest.newBuilder(base.resolve("/metrics")), 200))
                    .contains("lb4j_cluster_announcement_changes_total{to=\"FAILED\",vip=\"127.0.0.1\"} 2.0");
            assertThat(send(https, HttpRequest.newBuilder(base.resolve("/api/audit")), 200))
                    .contains("\"action\":\"cluster.drain\"").contains("\"action\":\"cluster.undrain\"");

            p.signal("TERM");
            p.awaitExit(STARTUP);
        }
    }

    private static String send(HttpClient https, HttpRequest.Builder request, int expected) throws Exception {
        HttpResponse<String> r = https.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
        return r.body();
    }
}
