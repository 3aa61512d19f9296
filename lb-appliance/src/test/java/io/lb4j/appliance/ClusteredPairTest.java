package io.lb4j.appliance;

import io.lb4j.admin.PasswordHash;
import io.lb4j.testsupport.netns.HostSetup;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two appliances from their own files (`ha:`, proxy engine) in network namespaces, VRRP between them: the primary
 * becomes master and owns the VIP; its services reach the secondary on connection and on every SIGHUP; a reload
 * that changes an `ha:` setting is refused; the secondary does not apply its own file's services; SIGTERM of the
 * primary hands the VIP to the secondary by the priority-0 advert. The primary also runs the admin server
 * ({@code admin:}), whose {@code GET /api/pair} shows it MASTER; the secondary runs a notify script ({@code alerts:})
 * on each of its VRRP transitions, keepalived's way. Needs root; skipped with the reason otherwise.
 */
class ClusteredPairTest {

    /** Ample for a JVM start and any VRRP timing below at a 500 ms advert on a loaded 2-core machine. */
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final String VIP = "10.78.0.100";

    @BeforeAll
    static void requireRoot() {
        Optional<String> why = NetnsLab.unavailable("curl");
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
    }

    /**
     * Two appliance hosts on one bridge, node A 10.78.0.1/24 and node B 10.78.0.2/24, each with
     * {@code net.ipv4.ip_nonlocal_bind=1}: the proxy engine on the backup binds the VIP before it owns it.
     */
    private static NetnsLab pairLab() {
        Consumer<HostSetup> node = h -> h.sysctl("net.ipv4.ip_nonlocal_bind", "1");
        return NetnsLab.builder("lb4jex").host("a", "10.78.0.1/24", node).host("b", "10.78.0.2/24", node).build();
    }

    /** A node's file: the service on the VIP, priority and role as given, the other node as peer. */
    private static String config(String self, String peer, int priority, String role, String services,
                                 Path secret) {
        return """
                engine: { type: proxy, ioThreads: 1 }
                services:
                %s
                ha:
                  interface: eth0
                  vrid: 51
                  priority: %d
                  advertInterval: 500ms
                  virtualAddresses: [%s]
                  role: %s
                  peer: %s
                  listen: %s
                  replicationPort: 7790
                  secretFile: %s
                  stateDirectory: %s
                """.formatted(services.stripTrailing(), priority, VIP, role, peer, self, secret,
                secret.resolveSibling("state-" + self));   // the epoch file stays in the lab's directory
    }

    private static String pacs(int weight) {
        return """
                  - label: PACS
                    address: %s
                    ports: [10104]
                    healthCheck: none
                    realServers: [ { label: PrimaryCluster, address: 10.78.0.50, weight: %d } ]
                """.formatted(VIP, weight);
    }

    private static String extra(String label, int port) {
        return """
                  - label: %s
                    address: %s
                    ports: [%d]
                    healthCheck: none
                    realServers: [ { label: r, address: 10.78.0.51 } ]
                """.formatted(label, VIP, port);
    }

    @Test
    void primaryOwnsTheVipReplicatesItsServicesAndHandsTheVipOverOnSigterm() throws Exception {
        NetnsLab lab = pairLab();
        try (lab) {
            Path secret = Files.writeString(lab.directory().resolve("ha.secret"), "lab-secret-0123456789abcdef\n");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------")); // owner-only
            Path fileA = lab.directory().resolve("a.yaml");
            Path fileB = lab.directory().resolve("b.yaml");
            String a = lab.host("a").address();
            String b = lab.host("b").address();
            Path tls = lab.directory().resolve("admin-tls");
            Files.writeString(fileA, config(a, b, 150, "primary", pacs(100), secret) + admin(tls));
            // B runs a notify script on every VRRP transition (no rate limit: each one counts here).
            Path scripts = Files.createDirectory(lab.directory().resolve("notify"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path notified = lab.directory().resolve("notified");
            Path script = Files.writeString(scripts.resolve("notify.sh"), "#!/bin/sh\necho \"$1 $2 $3\" >> "
                    + notified + "\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            String alertsB = "scriptDirectories: [" + scripts + "]\nalerts: { rateLimit: 0, notifyScript: notify.sh }\n";
            // B's own file differs (weight 50): the primary's list replaces it as soon as they connect.
            Files.writeString(fileB, config(b, a, 100, "secondary", pacs(50), secret) + alertsB);

            try (ApplianceProcess nodeA = ApplianceProcess.startInNamespace(lab.host("a").namespace(), "--config",
                    fileA.toString())) {
                // A alone: backup first, master after its Master_Down_Interval, then the VIP is on its eth0. (Started
                // together, B's Master_Down_Interval, only 100 ms longer, would race A's first advert.)
                nodeA.awaitStdoutContains("VRRP 51: BACKUP -> MASTER", LIMIT);
                awaitTrue(() -> lab.host("a").hasAddress(VIP), "the VIP on A's eth0", nodeA);
                // Printed by the main thread once start-up is done, which a loaded machine delays past the VRRP
                // thread's takeover: waited for, not expected already.
                nodeA.awaitStdoutContains("lb4j: pair node: VRRP 51 on eth0, priority 150, addresses " + VIP
                        + "; primary, replicating services to " + b + " (port 7790)", LIMIT);

                // The admin server (on loopback inside A's namespace) shows the pair: A is master, and why.
                nodeA.awaitStdoutContains("lb4j: admin server on https://127.0.0.1:" + ADMIN_PORT + "/", LIMIT);
                Path ca = Files.writeString(lab.directory().resolve("admin-ca.pem"), pem(tls));
                Path jar = lab.directory().resolve("cookies");
                assertThat(curl(lab, ca, jar, "-H", "Content-Type: application/json", "-d",
                        "{\"username\":\"operator\",\"password\":\"" + ADMIN_PASSWORD + "\"}",
                        "https://127.0.0.1:" + ADMIN_PORT + "/api/login")).contains("\"csrfToken\"");
                String pair = curl(lab, ca, jar, "https://127.0.0.1:" + ADMIN_PORT + "/api/pair");
                assertThat(pair).startsWith("{\"state\":\"MASTER\",\"vrid\":51,\"priority\":150,"
                                + "\"virtualAddresses\":[\"" + VIP + "\"],\"role\":\"primary\",\"peer\":\"" + b
                                + "\",\"since\":\"")
                        // B is not up yet: config replication to it is an error the page shows.
                        .contains("\"reason\":\"MASTER_DOWN\",\"links\":[{\"channel\":\"CONFIG_PUBLISHER\","
                                + "\"peer\":\"" + b + ":7790\",\"state\":\"UNREACHABLE\",");

                try (ApplianceProcess nodeB = ApplianceProcess.startInNamespace(lab.host("b").namespace(), "--config",
                        fileB.toString())) {
                    // B joins as backup and gets A's services on connection (its own file said weight 50).
                    nodeB.awaitStdoutContains("lb4j: pair node:", LIMIT);
                    nodeB.awaitStdoutContains("PACS: service changed", LIMIT);

                    // A service added to A's file reaches B with SIGHUP.
                    Files.writeString(fileA, config(a, b, 150, "primary", pacs(100) + extra("EXTRA", 10105),
                            secret));
                    nodeA.signal("HUP");
                    nodeA.awaitStdoutContains("lb4j: reloaded: 2 service(s)", LIMIT);
                    assertThat(nodeA.stdout()).contains("(replicated to the secondary as version 2)")
                            .contains("EXTRA: service added");
                    nodeB.awaitStdoutContains("EXTRA: service added", LIMIT);

                    // A's /metrics, read as Prometheus does (the metrics user's basic auth): the pair's meters show
                    // A master of VRID 51, the replication channel connected and version 2 acknowledged by B.
                    String[] scrape = new String[1];
                    awaitTrue(() -> (scrape[0] = curl(lab, ca, jar, "-u", "prometheus:" + METRICS_PASSWORD,
                            "https://127.0.0.1:" + ADMIN_PORT + "/metrics")).contains("lb4j_replication_sequence 2.0"),
                            "version 2 acknowledged in A's metrics", nodeA);
                    assertThat(scrape[0]).contains("lb4j_vrrp_state{state=\"MASTER\",vrid=\"51\"} 1.0")
                            .contains("lb4j_vrrp_state{state=\"BACKUP\",vrid=\"51\"} 0.0")
                            .contains("lb4j_vrrp_transitions_total{to=\"MASTER\",vrid=\"51\"} 1.0")
                            .contains("lb4j_pair_peer_connected{channel=\"config.publisher\"} 1.0")
                            .contains("lb4j_replication_epoch 1.0")
                            .contains("lb4j_real_server_state{real_server=\"PrimaryCluster\",service=\"PACS\","
                                    + "state=\"UP\"} 1.0")
                            .contains("lb4j_proxy_engine_connections_accepted_total 0.0");

                    // A reload that changes an ha: setting is refused as a whole, naming the setting.
                    Files.writeString(fileA, config(a, b, 120, "primary", pacs(100) + extra("EXTRA", 10105)
                            + extra("LATE", 10106), secret));
                    nodeA.signal("HUP");
                    nodeA.awaitStderrContains("lb4j: reload refused, still running the previous configuration: ha"
                            + " settings changed (ha.priority: 150 -> 120); ha settings take effect only after a"
                            + " restart", LIMIT);
                    nodeA.awaitStdoutContains("lb4j: reload refused (see standard error); configuration unchanged",
                            LIMIT);

                    // B's own file is not where its services come from.
                    Files.writeString(fileB, config(b, a, 100, "secondary", pacs(50) + extra("OTHER", 10107),
                            secret) + alertsB);
                    nodeB.signal("HUP");
                    nodeB.awaitStderrContains("lb4j: warning: services changed in the file but not applied: this node"
                            + " is the secondary (ha.role)", LIMIT);
                    nodeB.awaitStdoutContains("lb4j: reloaded:", LIMIT);

                    // All this time A stayed master and B backup.
                    assertThat(nodeB.stdout()).doesNotContain("-> MASTER").doesNotContain("OTHER: service added");
                    assertThat(nodeA.stdout()).doesNotContain("LATE").containsOnlyOnce("-> MASTER");
                    assertThat(lab.host("b").hasAddress(VIP)).isFalse();

                    // SIGTERM of A: priority 0 first, so B takes over by resignation (Skew_Time), not by timeout.
                    nodeA.signal("TERM");
                    nodeB.awaitStdoutContains("VRRP 51: BACKUP -> MASTER (MASTER_RESIGNED)", LIMIT);
                    awaitTrue(() -> lab.host("b").hasAddress(VIP), "the VIP on B's eth0", nodeB);
                    assertThat(nodeA.awaitExit(LIMIT)).isEqualTo(143);
                    // B's notify script ran with keepalived's arguments: backup at start, master now.
                    awaitTrue(() -> Files.exists(notified) && Files.readString(notified)
                            .contains("INSTANCE VRRP_51 MASTER"), "B's notify script run for MASTER", nodeB);
                    assertThat(Files.readAllLines(notified)).containsExactly("INSTANCE VRRP_51 BACKUP",
                            "INSTANCE VRRP_51 MASTER");
                    assertThat(nodeA.stdout()).contains("VRRP 51: MASTER -> INITIALIZE (SHUTDOWN)")
                            .contains("lb4j: left the pair").contains("lb4j: stopped");
                    assertThat(lab.host("a").hasAddress(VIP)).isFalse();

                    nodeB.signal("TERM");
                    assertThat(nodeB.awaitExit(LIMIT)).isEqualTo(143);
                    assertThat(lab.host("b").hasAddress(VIP)).as("released by B's graceful stop").isFalse();
                }
            }
        }
        assertThat(lab.leftovers()).isEmpty();
    }

    private static final int ADMIN_PORT = 9443;
    private static final String ADMIN_PASSWORD = "pair-admin-password";
    private static final String METRICS_PASSWORD = "pair-metrics-password";

    /** Node A's admin server: loopback inside its namespace, so only a client run there (curl below) reaches it. */
    private static String admin(Path tls) {
        return """
                admin:
                  address: 127.0.0.1
                  port: %d
                  users:
                    - { name: operator, passwordHash: "%s" }
                    - { name: prometheus, passwordHash: "%s", role: metrics }
                  tls: { selfSignedDirectory: "%s" }
                """.formatted(ADMIN_PORT, PasswordHash.of(ADMIN_PASSWORD.toCharArray()),
                PasswordHash.of(METRICS_PASSWORD.toCharArray()), tls);
    }

    /** The certificate the appliance generated in {@code tls}, as PEM for curl to trust exactly it. */
    private static String pem(Path tls) throws Exception {
        char[] password = Files.readString(tls.resolve("admin-tls.password")).strip().toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tls.resolve("admin-tls.p12"))) {
            ks.load(in, password);
        }
        Certificate cert = ks.getCertificate(ks.aliases().nextElement());
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n";
    }

    /** curl in A's namespace, with the cookie jar and the pinned certificate; returns the body. */
    private static String curl(NetnsLab lab, Path ca, Path jar, String... args) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "--cacert", ca.toString(),
                "-b", jar.toString(), "-c", jar.toString()));
        command.addAll(List.of(args));
        Command.Result r = Command.attempt(lab.host("a").command(command));
        assertThat(r.exitCode()).as("curl " + args[args.length - 1] + ": " + r.output()).isZero();
        return r.output();
    }

    /** Polls {@code condition} every 20 ms until it holds; fails with the node's output after {@link #LIMIT}. */
    private static void awaitTrue(Callable<Boolean> condition, String what, ApplianceProcess node) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\n--- stdout:\n" + node.stdout()
                        + "\n--- stderr:\n" + node.stderr());
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }
}
