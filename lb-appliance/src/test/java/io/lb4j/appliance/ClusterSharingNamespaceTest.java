package io.lb4j.appliance;

import io.lb4j.testsupport.netns.NetnsLab;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Three appliance nodes of a cluster sharing their services ({@code cluster.peers}, {@code primary:}), each its own
 * JVM in its own network namespace with the proxy engine and the VIP on {@code lo} (a namespace each, so every node
 * binds the same VIP and port, as separate machines do). No BIRD: the announcements fail and are retried, which does
 * not concern sharing. Root; run under {@code flock /tmp/lb4j-netns.lock}. Flow sync needs the packet engine: the
 * N-way flows are {@code FlowSyncClusterTest} (library) and {@code ActiveActiveClusterTest} (lab).
 *
 * <p>a is the primary; b runs; a reload on a that adds a service reaches b; c starts after it and gets the latest list
 * from a, not its own file's; a reload on b that changes its services is not applied and says where to change them.
 */
class ClusterSharingNamespaceTest {

    private static final String VIP = "10.219.100.100";
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @BeforeAll
    static void requireLab() {
        Optional<String> why = NetnsLab.unavailable();
        assumeTrue(why.isEmpty(), () -> "skipped: " + why.orElseThrow());
    }

    private static String nodeFile(Path dir, String self, boolean withHl7) {
        return """
                engine: { type: proxy, ioThreads: 1 }
                services:
                  - label: PACS
                    address: %1$s
                    ports: [7104]
                    healthCheck: none
                    realServers: [ { label: r1, address: 10.219.0.21 } ]
                %2$scluster:
                  daemon: bird
                  socket: %3$s/no-bird-%4$s.ctl
                  configFile: %3$s/lb4j-%4$s.conf
                  localAs: 65001
                  neighbours: [ { address: 10.219.0.1, as: 65000 } ]
                  listen: 10.219.0.%4$s
                  peers: [%5$s]
                  primary: 10.219.0.11
                  secretFile: %3$s/cluster.secret
                  stateDirectory: %3$s/state-%4$s
                """.formatted(VIP, withHl7 ? """
                  - label: HL7
                    address: %s
                    ports: [7575]
                    healthCheck: none
                    realServers: [ { label: h1, address: 10.219.0.22 } ]
                """.formatted(VIP) : "", dir, self, String.join(", ", java.util.stream.Stream.of("11", "12", "13")
                .filter(n -> !n.equals(self)).map(n -> "10.219.0." + n).toList()));
    }

    @Test
    void thePrimarysServicesReachEveryNodeAlsoOneThatStartsLaterAndTheOthersRefuseTheirOwnChanges()
            throws Exception {
        Map<String, ApplianceProcess> nodes = new LinkedHashMap<>();
        try (NetnsLab lab = NetnsLab.builder("lb4jcs")
                .host("a", "10.219.0.11/24", h -> h.vip(VIP))
                .host("b", "10.219.0.12/24", h -> h.vip(VIP))
                .host("c", "10.219.0.13/24", h -> h.vip(VIP))
                .build()) {
            try {
                Path dir = lab.directory();
                Path secret = Files.writeString(dir.resolve("cluster.secret"), "0123456789abcdef0123456789abcdef\n");
                Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
                Map<String, Path> files = new LinkedHashMap<>();
                for (String n : new String[] {"a", "b", "c"}) {
                    String self = switch (n) {
                        case "a" -> "11";
                        case "b" -> "12";
                        default -> "13";
                    };
                    files.put(n, Files.writeString(dir.resolve(n + ".yaml"), nodeFile(dir, self, false)));
                }
                for (String n : new String[] {"a", "b"}) {
                    nodes.put(n, ApplianceProcess.startInNamespace(lab.host(n).namespace(), "--config",
                            files.get(n).toString()));
                }
                nodes.get("a").awaitStdoutContains("lb4j: cluster: primary, replicating services to 10.219.0.12,"
                        + " 10.219.0.13 (port 7790)", LIMIT);
                nodes.get("b").awaitStdoutContains("lb4j: cluster: receiving services from the primary 10.219.0.11"
                        + " (port 7790)", LIMIT);
                // SIGHUP before the runner's handler is in place would end the JVM (the signal's default action).
                for (String n : new String[] {"a", "b"}) {
                    nodes.get(n).awaitStdoutContains("lb4j: running ", LIMIT);
                }

                Files.writeString(files.get("a"), nodeFile(dir, "11", true));
                nodes.get("a").signal("HUP");
                nodes.get("a").awaitStdoutContains("(replicated to the other nodes as version 2)", LIMIT);
                nodes.get("b").awaitStdoutContains("HL7: service added", LIMIT);

                nodes.put("c", ApplianceProcess.startInNamespace(lab.host("c").namespace(), "--config",
                        files.get("c").toString()));
                nodes.get("c").awaitStdoutContains("HL7: service added", LIMIT);

                Files.writeString(files.get("b"), nodeFile(dir, "12", false).replace("[7104]", "[7105]"));
                nodes.get("b").signal("HUP");
                nodes.get("b").awaitStderrContains("services changed in the file but not applied: this node is not"
                        + " the cluster's primary (cluster.primary)", LIMIT);
                nodes.get("b").awaitStdoutContains("lb4j: reloaded: file checked; services come from the primary",
                        LIMIT);
                assertThat(nodes.get("b").stdout()).as("b's own change not applied").doesNotContain("7105");
            } catch (Throwable t) {
                StringBuilder s = new StringBuilder();
                nodes.forEach((n, p) -> s.append("--- ").append(n).append(" stdout:\n").append(p.stdout())
                        .append("--- ").append(n).append(" stderr:\n").append(p.stderr()));
                throw new AssertionError(t.getMessage() + "\n" + s, t);
            } finally {
                nodes.values().forEach(ApplianceProcess::close);
            }
        }
    }
}
