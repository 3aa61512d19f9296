package io.lb4j.appliance.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.lb4j.admin.ConfigCodec;
import io.lb4j.admin.InvalidConfigException;
import io.lb4j.config.ConfigException;
import io.lb4j.ha.internal.ServiceCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The same mistake through every way configuration reaches the balancer: the appliance file, a {@code PUT
 * /api/config} body in the file's YAML and in the default JSON, and a replicated message. Each is refused with one
 * message, the same problem text, and the location its syntax has ({@code file:line:column}, {@code line L, column
 * C} for a YAML body, a JSON pointer for JSON). Reading has no side effects, so a refused text changes nothing.
 */
class BadInputTest {

    /** The README's MergePACS service with its per-port check; each case changes one thing in it. */
    private static final String VALID = """
            services:
              - label: PACS
                address: 192.168.100.100
                ports: [104, 80, 8080, 443, 8443, 5222, 1001]
                forwarding: direct-routing
                scheduler: wlc
                healthCheck:
                  type: all-of
                  interval: 30s
                  failAfter: 10
                  riseAfter: 1
                  probes:
                    - { type: dicom-echo, ports: [104], calledAeTitle: MERGEPACS }
                    - { type: http, ports: [80, 8080] }
                    - { type: https, ports: [443, 8443], insecure: true }
                    - { type: hl7, ports: [1001] }
                    - { type: connect, ports: [5222] }
                realServers:
                  - { label: PrimaryCluster, address: 192.168.100.110, weight: 100 }
                fallback: { address: 192.168.100.120, masquerade: true }
            """;
    private static final ApplianceConfig RUNNING = ConfigLoader.parse(VALID, "lb.yaml");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One mistake.
     *
     * @param name    what is wrong
     * @param from    the text of {@link #VALID} it replaces
     * @param to      the mistake
     * @param line    where the YAML has it
     * @param column  where the YAML has it
     * @param pointer where the JSON has it
     * @param problem the one problem text all paths give
     */
    record Case(String name, String from, String to, int line, int column, String pointer, String problem) {

        String yaml() {
            if (!VALID.contains(from)) {
                throw new IllegalStateException(name + ": \"" + from + "\" is not in the valid file");
            }
            return VALID.replace(from, to);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> mistakes() {
        return List.of(
                new Case("unknown key", "scheduler: wlc", "schedular: wlc", 6, 5, "/services/0/schedular",
                        "unknown key \"schedular\" in a service (expected one of: address, clientIdleTimeout,"
                                + " failback, fallback, forwarding, healthCheck, label, maxConnections, maxUdpSessions,"
                                + " onDown, persistence, persistenceNetmask, ports, preserveClientAddress, protocol,"
                                + " proxyProtocol, realServers, scheduler, serverIdleTimeout, slowStart, tcpKeepAlive)"),
                new Case("bad port", "[104, 80,", "[104, 70000,", 4, 18, "/services/0/ports/1",
                        "ports: 70000 (expected: 1-65535)"),
                new Case("duplicate port", "5222, 1001]", "5222, 1001, 80]", 4, 51, "/services/0/ports/7",
                        "ports: 80 (expected: each port once; 80 is listed twice)"),
                new Case("bad duration", "interval: 30s", "interval: 30", 9, 17, "/services/0/healthCheck/interval",
                        "healthCheck.interval: 30 (expected: a duration such as 500ms, 30s, 5m or 1h)"),
                new Case("uncovered composite port", "        - { type: connect, ports: [5222] }\n", "", 13, 9,
                        "/services/0/healthCheck/probes", "allOf.ports: 5222 (expected: every checked port in one"
                                + " probe, or an otherPorts probe; 5222 is in none)"),
                new Case("doubled composite port", "ports: [1001]", "ports: [1001, 8080]", 16, 38,
                        "/services/0/healthCheck/probes/3/ports/1", "allOf.ports: 8080 (expected: each port in one"
                                + " part; 8080 is listed twice)"),
                new Case("unknown check type", "type: all-of", "type: ping", 8, 13, "/services/0/healthCheck/type",
                        "healthCheck.type: \"ping\" (expected: connect | none | http | https | dicom-echo | dicom-find |"
                                + " hl7 | negotiate | external | agent | all-of)"),
                new Case("bad scheduler", "scheduler: wlc", "scheduler: fastest", 6, 16, "/services/0/scheduler",
                        "scheduler: \"fastest\" (expected: rr, wrr, lc, wlc, sh, mh)"),
                new Case("bad address", "address: 192.168.100.100", "address: 192.168.100.256", 3, 14,
                        "/services/0/address",
                        "address: \"192.168.100.256\" (expected: an IPv4 or IPv6 address literal)"),
                new Case("fallback port with direct routing", "masquerade: true", "port: 11112", 20, 49,
                        "/services/0/fallback/port", "fallback.port: 11112 (expected: 0, the client's port:"
                                + " direct-routing cannot remap ports unless the fallback masquerades)"),
                new Case("duplicate real-server label", "weight: 100 }",
                        "weight: 100 }\n      - { label: PrimaryCluster, address: 192.168.100.111 }", 20, 18,
                        "/services/0/realServers/1/label", "realServers: \"PrimaryCluster\" (expected: unique labels;"
                                + " \"PrimaryCluster\" is used twice)"),
                new Case("weight out of range", "weight: 100", "weight: 70000", 19, 68,
                        "/services/0/realServers/0/weight",
                        "realServer[PrimaryCluster].weight: 70000 (expected: 0-65535)"),
                new Case("wrong type", "weight: 100", "weight: heavy", 19, 68, "/services/0/realServers/0/weight",
                        "realServer[PrimaryCluster].weight: \"heavy\" (expected: an integer)"),
                new Case("unknown forwarding method", "forwarding: direct-routing", "forwarding: masq", 5, 17,
                        "/services/0/forwarding",
                        "forwarding: \"masq\" (expected: direct-routing, nat, tunnel, proxy)"),
                new Case("timeout longer than the interval", "interval: 30s", "interval: 30s\n      timeout: 45s", 10,
                        16, "/services/0/healthCheck/timeout", "healthCheck.timeout: PT45S (expected: <= interval"
                                + " PT30S)"),
                new Case("bad AE title", "calledAeTitle: MERGEPACS", "calledAeTitle: \"MERGE\\\\PACS\"", 13, 60,
                        "/services/0/healthCheck/probes/0/calledAeTitle", "dicomEcho.calledAeTitle: \"MERGE\\PACS\""
                                + " (expected: 1-16 printable ASCII characters, no backslash, not only spaces)"),
                new Case("zero hold-down", "scheduler: wlc", "scheduler: wlc\n    failback: { holdDown: 0 }", 7, 27,
                        "/services/0/failback/holdDown", "failback.holdDown: PT0S (expected: > 0)"),
                new Case("client address kept by direct routing", "scheduler: wlc",
                        "scheduler: wlc\n    preserveClientAddress: true", 7, 28, "/services/0/preserveClientAddress",
                        "preserveClientAddress: true (expected: false for a direct-routing service: only a proxy"
                                + " service opens its own connections to the real servers, direct-routing keeps the"
                                + " client's address already)"),
                new Case("unknown PROXY protocol version", "scheduler: wlc", "scheduler: wlc\n    proxyProtocol: v1",
                        7, 20, "/services/0/proxyProtocol", "proxyProtocol: \"v1\" (expected: none, v2)"),
                new Case("missing address", "    address: 192.168.100.100\n", "", 2, 5, "/services/0",
                        "address: missing in service \"PACS\" (expected: a `address:` entry)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void theFileGivesTheProblemAtItsLineAndColumn(Case mistake) {
        assertThatThrownBy(() -> ConfigLoader.parse(mistake.yaml(), "lb.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problem()).isEqualTo(mistake.problem());
                    assertThat(e.location()).isEqualTo("lb.yaml:" + mistake.line() + ":" + mistake.column());
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void aYamlBodyForTheAdminApiGivesTheSameProblemAtTheSamePlace(Case mistake) {
        assertThatThrownBy(() -> ConfigLoader.codec(RUNNING).decode(mistake.yaml()))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(mistake.problem());
                    assertThat(e.path()).isEqualTo("line " + mistake.line() + ", column " + mistake.column());
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void aJsonBodyForTheAdminApiGivesTheSameProblemAtItsPointer(Case mistake) throws Exception {
        String json = JSON.writeValueAsString(YAML.readTree(mistake.yaml()));

        assertThatThrownBy(() -> ConfigCodec.json().decode(json))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(mistake.problem());
                    assertThat(e.path()).isEqualTo(mistake.pointer());
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void aReplicatedMessageGivesTheSameProblemAtItsPointer(Case mistake) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("format", ServiceCodec.FORMAT);
        body.setAll((ObjectNode) YAML.readTree(mistake.yaml()));
        byte[] message = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> ServiceCodec.decode(message))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problem()).isEqualTo(mistake.problem());
                    assertThat(e.location()).isEqualTo(mistake.pointer());
                });
    }

    @Test
    void theValidFileIsValidOnEveryPath() throws Exception {
        String json = JSON.writeValueAsString(YAML.readTree(VALID));

        assertThat(ConfigLoader.codec(RUNNING).decode(VALID)).isEqualTo(RUNNING.services());
        assertThat(ConfigCodec.json().decode(json)).isEqualTo(RUNNING.services());
        assertThat(ServiceCodec.decode(ServiceCodec.encode(RUNNING.services()))).isEqualTo(RUNNING.services());
    }
}
