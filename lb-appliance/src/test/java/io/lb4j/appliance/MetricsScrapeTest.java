package io.lb4j.appliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lb4j.admin.AdminRole;
import io.lb4j.admin.AdminServer;
import io.lb4j.admin.AdminUser;
import io.lb4j.admin.PasswordHash;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.engine.proxy.ProxyEngine;
import io.lb4j.appliance.config.ClusterConfig;
import io.lb4j.ha.flowsync.FlowSync;
import io.lb4j.ha.replication.ConfigPublisher;
import io.lb4j.ha.replication.ConfigReceiver;
import io.lb4j.ha.route.AnnouncementState;
import io.lb4j.ha.route.AnnouncingNode;
import io.lb4j.ha.route.RouteAnnouncer;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.spi.VrrpTransport;
import io.lb4j.testkit.SimulatedEngine;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real scrape of a running admin server, as the appliance wires it: a proxy-engine balancer forwarding real bytes
 * on loopback, both engines' meters ({@link EngineMeters}; the packet engine built but not started, which needs no
 * root and reads zeros) and a pair node's meters ({@link PairMeters}): two VRRP instances advertising to each other
 * over an in-memory wire, and config replication over loopback TCP to a receiver. The scrape is read with the
 * read-only metrics user's basic auth, as {@code docs/prometheus/prometheus.yml} does. A cluster node's meters
 * ({@link ClusterOperations}) come from an announcing node over the balancer, with an announcer that takes every change
 * (BIRD itself is the namespace tests'). Against it: every metric the
 * Grafana dashboard queries exists (no dead panels), and Prometheus's own {@code promtool} accepts the scrape and the
 * scrape example.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one running set-up for all: each costs seconds of PBKDF2 and VRRP
class MetricsScrapeTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final String PASSWORD = "scrape-password-0123";
    private static final byte[] SECRET = "metrics-test-secret-0123456789".getBytes(StandardCharsets.US_ASCII);
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

    private Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private AdminServer admin;
    private HttpClient https;
    private String csrf;

    @BeforeAll
    void runAnAdminServerWithAPairAndBothEngines() throws Exception {
        dir = Files.createTempDirectory("lb4j-metrics-scrape");
        TestServer backend = TestServer.loopback(Handler.echo());
        open.add(backend);
        int vipPort = freePort();
        ProxyEngine proxy = ProxyEngine.builder().ioThreads(1).build();
        LoadBalancer lb = LoadBalancer.builder().engine(proxy).service(VirtualService.proxy().label("ECHO")
                .address("127.0.0.1").ports(vipPort)
                .real("main", "127.0.0.1", r -> r.port(backend.port()))
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofMillis(100)).timeout(
                        Duration.ofMillis(100)))
                .build()).build();
        lb.start();
        open.add(() -> lb.stop(Duration.ZERO));

        // The secondary: its own balancer (simulated: it only applies what it receives) behind a receiver.
        LoadBalancer secondary = LoadBalancer.builder().engine(new SimulatedEngine()).services(lb.services()).build();
        secondary.start();
        open.add(() -> secondary.stop(Duration.ZERO));
        ConfigReceiver receiver = ConfigReceiver.builder(secondary).listen(new InetSocketAddress("127.0.0.1", 0))
                .peer(InetAddress.getLoopbackAddress()).secret(SECRET).build().start();
        open.add(receiver);
        ConfigPublisher publisher = ConfigPublisher.builder(lb).peer(receiver.address()).secret(SECRET)
                .stateDirectory(dir.resolve("state")).build();

        // Two VRRP instances on one in-memory wire: the higher priority becomes master, the other stays backup.
        Wire wire = new Wire();
        open.add(wire);
        VrrpInstance a = vrrp(wire.node("10.0.0.1"), 150);
        VrrpInstance b = vrrp(wire.node("10.0.0.2"), 100);
        PacketEngine packet = PacketEngine.on("lo");
        FlowSync flowSync = FlowSync.builder(packet).listen(new InetSocketAddress("127.0.0.1", 0))
                .peer(new InetSocketAddress("127.0.0.1", freePort())).secret(SECRET).build();
        open.add(flowSync);

        admin = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(new AdminUser("prometheus", PasswordHash.of(PASSWORD.toCharArray()), AdminRole.METRICS)))
                .selfSignedCertificate(dir.resolve("tls")).build();
        // As PreparedAppliance binds them.
        EngineMeters.of(proxy).bindTo(admin.meterRegistry());
        EngineMeters.of(packet).bindTo(admin.meterRegistry());
        new PairMeters(a, true, () -> publisher, () -> null, flowSync).bindTo(admin.meterRegistry());
        admin.start();
        open.add(admin::stop);
        publisher.start();
        open.add(publisher);
        a.start();
        open.add(a);
        b.start();
        open.add(b);

        // 100,000 bytes through the VIP and back: the echo server returns each byte.
        try (Socket s = new Socket("127.0.0.1", vipPort)) {
            byte[] data = new byte[100_000];
            s.getOutputStream().write(data);
            new DataInputStream(s.getInputStream()).readFully(new byte[data.length]);
        }
        // A failover and a fail-back, so the event-counted meters exist too.
        lb.halt("ECHO", "main");
        lb.online("ECHO", "main");
        // A cluster node's meters, as PreparedAppliance binds them; started after the halt, so it announces once.
        ClusterOperations cluster = new ClusterOperations(new ClusterConfig("bird", dir.resolve("bird.ctl"),
                dir.resolve("lb4j.conf"), 65001, List.of(new ClusterConfig.Neighbour(
                InetAddress.ofLiteral("10.0.0.254"), 65000)), true));
        cluster.bindTo(admin.meterRegistry());
        AnnouncingNode announcing = new AnnouncingNode(lb, new TakesEveryChange(), Optional.empty(),
                Duration.ofMillis(100));
        cluster.attach(announcing);
        announcing.start();
        open.add(announcing);

        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("admin", admin.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        https = HttpClient.newBuilder().sslContext(tls).cookieHandler(new CookieManager())
                .connectTimeout(Duration.ofSeconds(5)).build();
        // Prometheus sends basic auth with every scrape (one PBKDF2 check each): proven once here; the polls below
        // then use the metrics user's session, which costs no hash per request.
        HttpResponse<String> basic = https.send(HttpRequest.newBuilder(admin.uri().resolve("/metrics"))
                .header("Authorization", basic()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(basic.statusCode()).as(basic.body()).isEqualTo(200);
        HttpResponse<String> login = https.send(HttpRequest.newBuilder(admin.uri().resolve("/api/login"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\"prometheus\",\"password\":\"" + PASSWORD + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        Matcher token = Pattern.compile("\"csrfToken\":\"([^\"]+)\"").matcher(login.body());
        assertThat(token.find()).as(login.body()).isTrue();
        csrf = token.group(1);
    }

    @AfterAll
    void closeEverything() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void theScrapeHasTheBalancersTheEnginesAndThePairsMeters() throws Exception {
        String scrape = scrapeOnce(s -> s.contains("lb4j_vrrp_state{state=\"MASTER\",vrid=\"51\"} 1.0")
                && s.contains("lb4j_pair_peer_connected{channel=\"config.publisher\"} 1.0")
                && s.contains("lb4j_replication_sequence 1.0")
                && s.contains("lb4j_cluster_announced{vip=\"127.0.0.1\"} 1.0")
                && s.contains("lb4j_real_server_bytes_total{direction=\"out\",real_server=\"main\",service=\"ECHO\"}"
                + " 100000.0"));
        // Bytes per real server: exactly what went through the proxy, in both directions.
        assertThat(scrape).contains("lb4j_real_server_bytes_total{direction=\"in\",real_server=\"main\","
                + "service=\"ECHO\"} 100000.0");
        // Micrometer's naming: real.server, never realServer.
        assertThat(scrape).doesNotContain("realServer").doesNotContain("lb4j_realserver");
        // Check latency: a timer per check type, with attempts counted.
        Matcher checks = Pattern.compile("lb4j_health_check_duration_seconds_count\\{check=\"connect\","
                + "real_server=\"main\",service=\"ECHO\"} (\\d+)").matcher(scrape);
        assertThat(checks.find()).as(scrape).isTrue();
        assertThat(Long.parseLong(checks.group(1))).isPositive();
        assertThat(scrape).contains("lb4j_failovers_total{service=\"ECHO\"} 1.0")
                .contains("lb4j_failbacks_total{service=\"ECHO\"} 1.0")
                .contains("lb4j_proxy_engine_bytes_total{direction=\"in\"} 100000.0")
                .contains("lb4j_packet_frames_total{direction=\"rx\"} 0.0")
                .contains("lb4j_packet_dropped_total{reason=\"noFlow\"} 0.0")
                // The master entered MASTER once (from BACKUP); the backup's meters are on its own node.
                .contains("lb4j_vrrp_transitions_total{to=\"MASTER\",vrid=\"51\"} 1.0")
                .contains("lb4j_replication_sequence 1.0")
                .contains("lb4j_flow_sync_updates_total{direction=\"sent\"} 0.0")
                // The cluster node announced its VIP once, and nobody drained it.
                .contains("lb4j_cluster_announcement_changes_total{to=\"ANNOUNCED\",vip=\"127.0.0.1\"} 1.0")
                .contains("lb4j_cluster_announcement_changes_total{to=\"WITHDRAWN\",vip=\"127.0.0.1\"} 0.0")
                .contains("lb4j_cluster_drained 0.0");
    }

    @Test
    void everyMetricTheDashboardQueriesIsInTheScrape() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(REPOSITORY.resolve("docs/grafana/lb4j-dashboard.json")
                .toFile());
        // The data source is an input chosen at import, never a name of ours.
        assertThat(dashboard.at("/__inputs/0/type").asText()).isEqualTo("datasource");
        assertThat(dashboard.at("/__inputs/0/name").asText()).isEqualTo("DS_PROMETHEUS");
        List<String> expressions = new ArrayList<>();
        List<String> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            panels.add(panel.get("title").asText());
            assertThat(panel.at("/datasource/uid").asText()).as(panel.get("title").asText())
                    .isEqualTo("${DS_PROMETHEUS}");
            assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
            panel.get("targets").forEach(t -> expressions.add(t.get("expr").asText()));
        }
        dashboard.at("/templating/list").forEach(v -> expressions.add(v.at("/query/query").asText()));
        dashboard.at("/annotations/list").forEach(a -> expressions.add(a.get("expr").asText()));
        assertThat(panels).contains("Connections open", "Throughput per real server", "Real server state",
                "Health-check latency (mean per attempt)", "VRRP state", "Failovers and fail-backs");

        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\blb4j_[a-z0-9_]+").matcher(String.join("\n", expressions));
        while (m.find()) {
            used.add(m.group());
        }
        String scrape = scrapeOnce(s -> s.contains("lb4j_vrrp_state{state=\"MASTER\",vrid=\"51\"} 1.0")
                && s.contains("lb4j_cluster_announced{vip=\"127.0.0.1\"} 1.0"));
        Set<String> scraped = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("lb4j_")) {
                scraped.add(line.split("[{ ]", 2)[0]);
            }
        }
        assertThat(used).hasSizeGreaterThan(20);
        assertThat(scraped).as("every metric the dashboard queries").containsAll(used);
    }

    @Test
    void promtoolAcceptsTheScrapeAndTheScrapeExample() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")),
                "skipped: promtool not installed (Debian package prometheus)");
        Command.Result config = Command.attempt(List.of("promtool", "check", "config",
                REPOSITORY.resolve("docs/prometheus/prometheus.yml").toString()));
        assertThat(config.exitCode()).as(config.output()).isZero();
        assertThat(config.output()).contains("SUCCESS");

        // Kept in target/ too: the README's metric excerpt comes from it.
        Path scrape = Files.writeString(Path.of("target/metrics-scrape.txt"),
                scrapeOnce(s -> s.contains("lb4j_vrrp_state{state=\"MASTER\",vrid=\"51\"} 1.0")));
        // promtool check metrics reads the exposition on standard input and lints it (names, units, help).
        Command.Result metrics = Command.attempt(List.of("sh", "-c", "promtool check metrics < " + scrape));
        assertThat(metrics.exitCode()).as(metrics.output()).isZero();
    }

    @Test
    void theMetricsUserCanScrapeButNotHalt() throws Exception {
        // The hardening issue's read-only role: logged in, with the session's CSRF token, still no Halt and no status.
        HttpResponse<String> halt = https.send(HttpRequest.newBuilder(admin.uri().resolve(
                        "/api/services/ECHO/real-servers/main/halt")).header("X-CSRF-Token", csrf)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(halt.statusCode()).as(halt.body()).isEqualTo(403);
        HttpResponse<String> status = https.send(HttpRequest.newBuilder(admin.uri().resolve("/api/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(403);
        // The metrics path serves metrics only: nothing below it reaches the API.
        HttpResponse<String> below = https.send(HttpRequest.newBuilder(admin.uri().resolve("/metrics/api/status"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(below.statusCode()).isEqualTo(404);
        assertThat(scrapeOnce(s -> true)).contains("lb4j_real_server_state{real_server=\"main\",service=\"ECHO\","
                + "state=\"UP\"} 1.0");
    }

    /** Scrapes until {@code ready} holds (meters that follow live state), failing with the last scrape after LIMIT. */
    private String scrapeOnce(java.util.function.Predicate<String> ready) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        String body;
        do {
            HttpResponse<String> r = https.send(HttpRequest.newBuilder(admin.uri().resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            body = r.body();
            if (ready.test(body)) {
                return body;
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // polling: the next scrape, not a wait for time
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the scrape never got ready within " + LIMIT + ":\n" + body);
    }

    /** A routing daemon that takes every change at once. */
    private static final class TakesEveryChange implements RouteAnnouncer {
        private final Set<InetAddress> announced = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public AnnouncementState announce(InetAddress vip) {
            announced.add(vip);
            return AnnouncementState.ANNOUNCED;
        }

        @Override
        public AnnouncementState withdraw(InetAddress vip) {
            announced.remove(vip);
            return AnnouncementState.WITHDRAWN;
        }

        @Override
        public AnnouncementState state(InetAddress vip) {
            return announced.contains(vip) ? AnnouncementState.ANNOUNCED : AnnouncementState.WITHDRAWN;
        }

        @Override
        public void close() {
        }
    }

    private static String basic() {
        return "Basic " + Base64.getEncoder().encodeToString(("prometheus:" + PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
    }

    private static VrrpInstance vrrp(VrrpTransport transport, int priority) {
        return VrrpInstance.builder().vrid(51).priority(priority).advertInterval(Duration.ofMillis(50))
                .virtualAddress("10.0.0.100").transport(transport).build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * An in-memory LAN for VRRP: what one node sends reaches the other as an IPv4 packet (TTL 255, protocol 112),
     * delivered on one thread, so neither instance's lock is taken from inside the other's.
     */
    private static final class Wire implements AutoCloseable {
        private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> new Thread(r, "vrrp-wire"));
        private final List<Node> nodes = new ArrayList<>();

        Node node(String address) {
            Node n = new Node((java.net.Inet4Address) InetAddress.ofLiteral(address));
            nodes.add(n);
            return n;
        }

        @Override
        public void close() {
            delivery.shutdownNow();
        }

        final class Node implements VrrpTransport {
            private final java.net.Inet4Address primary;
            private volatile Receiver receiver;

            Node(java.net.Inet4Address primary) {
                this.primary = primary;
            }

            @Override
            public void start(Receiver r) {
                receiver = r;
            }

            @Override
            public void send(InetAddress destination, byte[] message) {
                byte[] p = new byte[20 + message.length];
                p[0] = 0x45;
                p[2] = (byte) (p.length >>> 8);
                p[3] = (byte) p.length;
                p[8] = (byte) 255;
                p[9] = 112;
                System.arraycopy(primary.getAddress(), 0, p, 12, 4);
                System.arraycopy(destination.getAddress(), 0, p, 16, 4);
                System.arraycopy(message, 0, p, 20, message.length);
                for (Node other : nodes) {
                    Receiver r = other.receiver;
                    if (other != this && r != null) {
                        try {
                            delivery.execute(() -> r.onPacket(p, p.length));
                        } catch (RejectedExecutionException e) {
                            return; // the wire is closed: the packet goes nowhere
                        }
                    }
                }
            }

            @Override
            public InetAddress primaryAddress() {
                return primary;
            }

            @Override
            public void close() {
                receiver = null;
            }
        }
    }
}
