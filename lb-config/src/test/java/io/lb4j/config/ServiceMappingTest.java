package io.lb4j.config;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.OnDown;
import io.lb4j.api.Protocol;
import io.lb4j.api.ProxyProtocol;
import io.lb4j.api.Scheduler;
import io.lb4j.api.TcpKeepAlive;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.AgentProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.api.check.DicomTls;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.api.check.Probe;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.Selector;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The services mapping: each key to its builder option, the per-port {@code all-of} check, where a mistake is
 * reported (the same problem in YAML and JSON), and what has no written form.
 */
class ServiceMappingTest {

    /** The MergePACS service with its per-port check, the check verbatim. */
    private static final String PER_PORT = """
            services:
              - label: PACS
                address: 192.168.100.100
                ports: [104, 80, 8080, 443, 8443, 5222, 1001]
                forwarding: direct-routing
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

    private static List<VirtualService> yaml(String text) {
        return ServiceMapping.readDocument(ConfigNode.parseYaml(text, "lb.yaml"), ForwardingMethod.PROXY);
    }

    private static List<VirtualService> json(String text) {
        return ServiceMapping.readDocument(ConfigNode.parseJson(text), ForwardingMethod.PROXY);
    }

    /** The same document as JSON, written by Jackson from the YAML (not by the mapping under test). */
    private static String asJson(String yaml) throws Exception {
        var yamlMapper = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(yamlMapper.readTree(yaml));
    }

    /** Asserts the YAML and its JSON twin are rejected with one problem, at the given places. */
    private static void rejects(String yaml, String yamlAt, String jsonAt, String problem) throws Exception {
        String json = asJson(yaml);
        assertThatThrownBy(() -> yaml(yaml)).isInstanceOf(ConfigException.class)
                .hasMessage(yamlAt + ": " + problem);
        assertThatThrownBy(() -> json(json)).isInstanceOf(ConfigException.class)
                .hasMessage(jsonAt + ": " + problem);
    }

    // ------------------------------------------------------------------------------------------------ all-of

    @Test
    void thePerPortCheckReadsAsHealthCheckAllOf() {
        VirtualService built = VirtualService.directRouting().label("PACS").address("192.168.100.100")
                .ports(104, 80, 8080, 443, 8443, 5222, 1001)
                .healthCheck(HealthCheck.allOf(CompositeProbe
                                .on(DicomEchoProbe.of("LB4J", "MERGEPACS"), 104)
                                .and(HttpProbe.get("/"), 80, 8080)
                                .and(HttpProbe.get("/").tls(true).insecure(true), 443, 8443)
                                .and(Hl7Probe.defaults(), 1001)
                                .and(ConnectProbe.INSTANCE, 5222))
                        .interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1))
                .real("PrimaryCluster", "192.168.100.110", r -> r.weight(100))
                .fallback("192.168.100.120", f -> f.masquerade(true))
                .build();

        assertThat(yaml(PER_PORT)).containsExactly(built);
    }

    @Test
    void otherPortsCoversTheCheckedPortsThatNoProbeNames() {
        String connect = PER_PORT.replace("        - { type: connect, ports: [5222] }\n",
                "      otherPorts: connect\n");
        String http = PER_PORT.replace("        - { type: connect, ports: [5222] }\n",
                "      otherPorts: { type: http, path: /health }\n");

        assertThat(((CompositeProbe) yaml(connect).getFirst().healthCheck().probe()).otherPorts())
                .isEqualTo(ConnectProbe.INSTANCE);
        assertThat(((CompositeProbe) yaml(http).getFirst().healthCheck().probe()).otherPorts())
                .isEqualTo(HttpProbe.get("/health"));
    }

    @Test
    void aPortNoProbeCoversIsNamedAtTheProbes() throws Exception {
        rejects(PER_PORT.replace("        - { type: connect, ports: [5222] }\n", ""), "lb.yaml:12:9",
                "/services/0/healthCheck/probes", "allOf.ports: 5222 (expected: every checked port in one probe, or an"
                        + " otherPorts probe; 5222 is in none)");
    }

    @Test
    void aPortTwoProbesCoverIsNamedWhereItIsRepeated() throws Exception {
        rejects(PER_PORT.replace("ports: [1001]", "ports: [1001, 104]"), "lb.yaml:15:38",
                "/services/0/healthCheck/probes/3/ports/1", "allOf.ports: 104 (expected: each port in one part; 104"
                        + " is listed twice)");
    }

    @Test
    void aProbeIsASingleProbeOfAKnownTypeWithItsPorts() throws Exception {
        rejects(PER_PORT.replace("{ type: connect, ports: [5222] }", "{ type: none, ports: [5222] }"),
                "lb.yaml:16:19", "/services/0/healthCheck/probes/4/type", "healthCheck.probes.type: \"none\""
                        + " (expected: connect | http | https | dicom-echo | dicom-find | hl7 | negotiate | external)");
        rejects(PER_PORT.replace("{ type: connect, ports: [5222] }", "{ type: connect }"), "lb.yaml:16:11",
                "/services/0/healthCheck/probes/4", "ports: missing in a connect probe (expected: a `ports:` entry)");
        rejects(PER_PORT.replace("{ type: hl7, ports: [1001] }", "{ type: hl7, ports: [1001], path: / }"),
                "lb.yaml:15:39", "/services/0/healthCheck/probes/3/path", "unknown key \"path\" in an hl7 probe"
                        + " (expected one of: message, ports, type)");
        rejects(PER_PORT.replace("type: all-of", "type: every"), "lb.yaml:7:13", "/services/0/healthCheck/type",
                "healthCheck.type: \"every\" (expected: connect | none | http | https | dicom-echo | dicom-find | hl7 |"
                        + " negotiate | external | agent | all-of)");
    }

    @Test
    void dicomTlsIsTrueFalseOrAMappingOfPemFilesWithTheClientKeyBesideItsCertificate() throws Exception {
        String echo = "{ type: dicom-echo, ports: [104], calledAeTitle: MERGEPACS }";
        rejects(PER_PORT.replace(echo, "{ type: dicom-echo, ports: [104], tls: yes please }"), "lb.yaml:12:50",
                "/services/0/healthCheck/probes/0/tls", "healthCheck.probes.tls: \"yes please\" (expected: true | false"
                        + " | { trustedCertificates: <PEM file>, clientCertificate: <PEM file>, clientKey: <PEM file> })");
        rejects(PER_PORT.replace(echo, "{ type: dicom-echo, ports: [104], tls: { trust: /a.pem } }"), "lb.yaml:12:52",
                "/services/0/healthCheck/probes/0/tls/trust", "unknown key \"trust\" in healthCheck.probes.tls"
                        + " (expected one of: clientCertificate, clientKey, trustedCertificates)");
        rejects(PER_PORT.replace(echo, "{ type: dicom-find, ports: [104], tls: { clientCertificate: /lb.pem } }"),
                "lb.yaml:12:50", "/services/0/healthCheck/probes/0/tls", "tls.clientKey: none (expected: the private"
                        + " key of tls.clientCertificate)");
        rejects(PER_PORT.replace(echo, "{ type: dicom-find, ports: [104], studyInstanceUid: 1.2.x }"),
                "lb.yaml:12:63", "/services/0/healthCheck/probes/0/studyInstanceUid", "dicomFind.studyInstanceUid:"
                        + " \"1.2.x\" (expected: a UID: digits and dots, at most 64 characters, or empty)");
    }

    @Test
    void anAgentCheckNeedsItsPortAndIsNoPartOfAllOf() throws Exception {
        rejects(PER_PORT.replace("type: all-of", "type: agent").replace("      probes:", "      send: x\n      probes:"),
                "lb.yaml:12:7", "/services/0/healthCheck/probes", "unknown key \"probes\" in an agent healthCheck"
                        + " (expected one of: failAfter, interval, jitter, port, ports, riseAfter, send, spread, timeout, type)");
        rejects(PER_PORT.replace("{ type: connect, ports: [5222] }", "{ type: agent, ports: [5222] }"),
                "lb.yaml:16:19", "/services/0/healthCheck/probes/4/type", "healthCheck.probes.type: \"agent\""
                        + " (expected: connect | http | https | dicom-echo | dicom-find | hl7 | negotiate | external)");
    }

    @Test
    void theChecksPortsAreAllOrAPortList() throws Exception {
        rejects(PER_PORT.replace("type: all-of", "type: all-of\n      ports: al"), "lb.yaml:8:14",
                "/services/0/healthCheck/ports", "healthCheck.ports: \"al\" (expected: all, or a port list such as"
                        + " [104, \"8000-8010\"])");
    }

    // ------------------------------------------------------------------------------------------------ keys

    @Test
    void everyCheckTypeMapsToItsProbeWithEveryKey() {
        String service = """
                services:
                  - { label: S, address: 10.0.0.1, ports: [104], realServers: [ { label: r, address: 10.0.0.2 } ],
                      healthCheck: %s }
                """;
        assertThat(probe(service, "{ type: http, method: HEAD, path: /health, host: pacs.local,"
                + " expectStatus: [200, \"300-302\"] }"))
                .isEqualTo(HttpProbe.head("/health").host("pacs.local").expectStatus(200, 300, 301, 302));
        assertThat(probe(service, "{ type: https, bodyPattern: UP, insecure: true }"))
                .isEqualTo(HttpProbe.get("/").bodyMatches("UP").tls(true).insecure(true));
        assertThat(probe(service, "{ type: dicom-echo, callingAeTitle: LB, calledAeTitle: PACS }"))
                .isEqualTo(DicomEchoProbe.of("LB", "PACS"));
        assertThat(probe(service, "{ type: dicom-echo, calledAeTitle: PACS, tls: true }"))
                .isEqualTo(DicomEchoProbe.of("LB4J", "PACS").tls(DicomTls.systemTrust()));
        assertThat(probe(service, "{ type: dicom-find, callingAeTitle: LB, calledAeTitle: PACS, studyInstanceUid: 1.2.3,"
                + " patientId: P1, tls: { trustedCertificates: /etc/lb4j/pacs-ca.pem,"
                + " clientCertificate: /etc/lb4j/lb.pem, clientKey: /etc/lb4j/lb-key.pem } }"))
                .isEqualTo(DicomFindProbe.of("LB", "PACS").study("1.2.3").patient("P1").tls(DicomTls
                        .trusting(Path.of("/etc/lb4j/pacs-ca.pem"))
                        .withClientCertificate(Path.of("/etc/lb4j/lb.pem"), Path.of("/etc/lb4j/lb-key.pem"))));
        assertThat(probe(service, "{ type: dicom-find, tls: false }")).isEqualTo(DicomFindProbe.defaults());
        assertThat(probe(service, "{ type: hl7, message: \"MSH|^~\\\\&|A|B|C|D|||QRY^A19|1|P|2.5\" }"))
                .isEqualTo(Hl7Probe.template("MSH|^~\\&|A|B|C|D|||QRY^A19|1|P|2.5"));
        assertThat(probe(service, "{ type: negotiate, send: \"HELO\\r\\n\", expect: \"^250\" }"))
                .isEqualTo(NegotiateProbe.of("HELO\r\n", "^250"));
        assertThat(probe(service, "{ type: external, script: /etc/lb4j/checks/pacs.sh, checkSource: 10.0.0.9 }"))
                .isEqualTo(ExternalProbe.of(Path.of("/etc/lb4j/checks/pacs.sh")).withCheckSource("10.0.0.9"));
        assertThat(probe(service, "{ type: external, script: pacs.sh, dynamicWeight: true }"))
                .isEqualTo(ExternalProbe.of(Path.of("pacs.sh")).withDynamicWeight(true));
        assertThat(probe(service, "{ type: agent, port: 3333 }")).isEqualTo(AgentProbe.of(3333));
        assertThat(probe(service, "{ type: agent, port: 9777, send: \"pacs/primary\\n\" }"))
                .isEqualTo(AgentProbe.of(9777).withSend("pacs/primary\n"));
        assertThat(probe(service, "connect")).isEqualTo(ConnectProbe.INSTANCE);
        assertThat(yaml(service.formatted("none")).getFirst().healthCheck()).isEqualTo(HealthCheck.none().build());
    }

    private static Probe probe(String template, String healthCheck) {
        return yaml(template.formatted(healthCheck)).getFirst().healthCheck().probe();
    }

    @Test
    void everyServiceKeyMapsToItsBuilderOption() {
        VirtualService read = yaml("""
                services:
                  - label: Syslog
                    address: "fd00::1"
                    ports: [514, "6000-6002"]
                    protocol: udp
                    forwarding: nat
                    scheduler: mh
                    persistence: 5m
                    failback: { holdDown: 10m }
                    healthCheck: { type: connect, ports: [514], interval: 2s, timeout: 1500ms, jitter: 100ms,
                                   failAfter: 2, riseAfter: 5 }
                    realServers:
                      - { label: a, address: "fd00::2", port: 5514, weight: 0, minConnections: 5, maxConnections: 9 }
                    fallback: { address: "fd00::3", port: 1514, masquerade: false }
                """).getFirst();

        assertThat(read).isEqualTo(VirtualService.nat().label("Syslog").address("fd00::1").ports(514)
                .portRange(6000, 6002).protocol(Protocol.UDP).scheduler(Scheduler.maglev())
                .persistence(Duration.ofMinutes(5)).failback(FailbackPolicy.holdDown(Duration.ofMinutes(10)))
                .healthCheck(HealthCheck.connect().ports(514).interval(Duration.ofSeconds(2))
                        .timeout(Duration.ofMillis(1500)).jitter(Duration.ofMillis(100)).failAfter(2).riseAfter(5))
                .real("a", "fd00::2", r -> r.port(5514).weight(0).minConnections(5).maxConnections(9))
                .fallback("fd00::3", f -> f.port(1514))
                .build());
    }

    @Test
    void aServiceWithoutForwardingGetsTheCallersDefaultMethod() {
        ConfigNode services = ConfigNode.parseYaml("""
                - { label: S, address: 10.0.0.1, ports: [104], realServers: [ { label: r, address: 10.0.0.2 } ] }
                """, "lb.yaml");

        assertThat(ServiceMapping.read(services, ForwardingMethod.DIRECT_ROUTING).getFirst().method())
                .isEqualTo(ForwardingMethod.DIRECT_ROUTING);
    }

    /** A TCP proxy service with every timeout and cap set, and a UDP one with its session cap. */
    private static final String LIMITS = """
            services:
              - label: MLLP
                address: 10.0.0.1
                ports: [2575]
                realServers: [ { label: r, address: 10.0.0.2 } ]
                clientIdleTimeout: 2h
                serverIdleTimeout: 0
                tcpKeepAlive: { idle: 30s, interval: 5s, count: 3 }
                maxConnections: 200
              - label: Syslog
                address: 10.0.0.1
                ports: [514]
                protocol: udp
                realServers: [ { label: r, address: 10.0.0.2 } ]
                maxUdpSessions: 500
            """;

    private static final String SERVER_HANDLING = """
            services:
              - label: PACS
                address: "fd00::1"
                ports: [104]
                forwarding: direct-routing
                onDown: close
                slowStart: 2m
                persistence: 10m
                persistenceNetmask: 64
                healthCheck: { type: connect, interval: 30s, spread: false }
                realServers:
                  - { label: Primary, address: "fd00::11" }
            """;

    @Test
    void onDownSlowStartPersistenceNetmaskAndSpreadMapToTheirBuilderOptions() {
        assertThat(yaml(SERVER_HANDLING)).containsExactly(VirtualService.directRouting().label("PACS")
                .address("fd00::1").ports(104).real("Primary", "fd00::11").onDown(OnDown.CLOSE)
                .slowStart(Duration.ofMinutes(2)).persistence(Duration.ofMinutes(10)).persistenceNetmask(64)
                .healthCheck(HealthCheck.connect().interval(Duration.ofSeconds(30)).spread(false)).build());
    }

    @Test
    void aBadOnDownOrNetmaskIsNamedAtItsKey() throws Exception {
        rejects(SERVER_HANDLING.replace("onDown: close", "onDown: later"), "lb.yaml:6:13", "/services/0/onDown",
                "onDown: \"later\" (expected: keep | close)");
        rejects(SERVER_HANDLING.replace("persistenceNetmask: 64", "persistenceNetmask: 129"), "lb.yaml:9:25",
                "/services/0/persistenceNetmask", "persistenceNetmask: 129 (expected: 0-128)");
    }

    @Test
    void everyProxyTimeoutAndCapMapsToItsBuilderOption() {
        assertThat(yaml(LIMITS)).containsExactly(
                VirtualService.proxy().label("MLLP").address("10.0.0.1").ports(2575).real("r", "10.0.0.2")
                        .clientIdleTimeout(Duration.ofHours(2)).serverIdleTimeout(Duration.ZERO)
                        .tcpKeepAlive(TcpKeepAlive.of(Duration.ofSeconds(30), Duration.ofSeconds(5), 3))
                        .maxConnections(200).build(),
                VirtualService.proxy().label("Syslog").address("10.0.0.1").ports(514).protocol(Protocol.UDP)
                        .real("r", "10.0.0.2").maxUdpSessions(500).build());
    }

    @Test
    void tcpKeepAliveIsTrueFalseOrAMappingWhoseMissingKeysTakeTheDefaults() {
        String keepAlive = "{ idle: 30s, interval: 5s, count: 3 }";

        assertThat(yaml(LIMITS.replace(keepAlive, "true")).getFirst().tcpKeepAlive())
                .isEqualTo(TcpKeepAlive.defaults());
        assertThat(yaml(LIMITS.replace(keepAlive, "false")).getFirst().tcpKeepAlive()).isEqualTo(TcpKeepAlive.off());
        assertThat(yaml(LIMITS.replace(keepAlive, "{ idle: 2m }")).getFirst().tcpKeepAlive())
                .isEqualTo(TcpKeepAlive.of(Duration.ofMinutes(2), Duration.ofSeconds(15), 4));
    }

    @Test
    void aProxySettingWhereItCannotApplyIsRefusedAtItsKeyWithTheReason() throws Exception {
        rejects(LIMITS.replace("maxConnections: 200", "maxConnections: 200\n    maxUdpSessions: 500"),
                "lb.yaml:10:21", "/services/0/maxUdpSessions", "maxUdpSessions: 500 (expected: unset: only UDP"
                        + " services have it, and this one is TCP; maxConnections caps TCP connections)");
        rejects(LIMITS.replace("maxUdpSessions: 500", "maxConnections: 5"), "lb.yaml:15:21",
                "/services/1/maxConnections", "maxConnections: 5 (expected: unset: only TCP services have it, and"
                        + " this one is UDP; UDP sessions end after the engine's udpIdleTimeout and maxUdpSessions"
                        + " caps them)");
        rejects(LIMITS.replace("ports: [2575]", "ports: [2575]\n    forwarding: nat"), "lb.yaml:7:24",
                "/services/0/clientIdleTimeout", "clientIdleTimeout: PT2H (expected: unset: only proxy services have"
                        + " it, and this one is nat)");
    }

    @Test
    void aProxySettingOutOfRangeIsRefusedAtItsValueWithTheRange() throws Exception {
        rejects(LIMITS.replace("clientIdleTimeout: 2h", "clientIdleTimeout: 500ms"), "lb.yaml:6:24",
                "/services/0/clientIdleTimeout", "clientIdleTimeout: PT0.5S (expected: 0 (never), or 1 s-7 days)");
        rejects(LIMITS.replace("serverIdleTimeout: 0", "serverIdleTimeout: 8d"), "lb.yaml:7:24",
                "/services/0/serverIdleTimeout", "serverIdleTimeout: \"8d\" (expected: a duration such as 500ms, 30s,"
                        + " 5m or 1h)");
        rejects(LIMITS.replace("serverIdleTimeout: 0", "serverIdleTimeout: 169h"), "lb.yaml:7:24",
                "/services/0/serverIdleTimeout", "serverIdleTimeout: PT169H (expected: 0 (never), or 1 s-7 days)");
        rejects(LIMITS.replace("maxConnections: 200", "maxConnections: -1"), "lb.yaml:9:21",
                "/services/0/maxConnections", "maxConnections: -1 (expected: 0-1000000)");
        rejects(LIMITS.replace("maxUdpSessions: 500", "maxUdpSessions: 1000001"), "lb.yaml:15:21",
                "/services/1/maxUdpSessions", "maxUdpSessions: 1000001 (expected: 0-1000000)");
        rejects(LIMITS.replace("maxConnections: 200", "maxConnections: many"), "lb.yaml:9:21",
                "/services/0/maxConnections", "maxConnections: \"many\" (expected: an integer)");
    }

    @Test
    void tcpKeepAliveMistakesAreNamedWithTheFormsOrTheRange() throws Exception {
        String keepAlive = "{ idle: 30s, interval: 5s, count: 3 }";
        rejects(LIMITS.replace(keepAlive, "always"), "lb.yaml:8:19", "/services/0/tcpKeepAlive", "tcpKeepAlive: \"always\""
                + " (expected: true | false | { idle: <duration>, interval: <duration>, count: <1-127> })");
        rejects(LIMITS.replace(keepAlive, "{ idle: 1500ms }"), "lb.yaml:8:27", "/services/0/tcpKeepAlive/idle",
                "tcpKeepAlive.idle: PT1.5S (expected: whole seconds, 1 s-32767 s)");
        rejects(LIMITS.replace(keepAlive, "{ count: 128 }"), "lb.yaml:8:28", "/services/0/tcpKeepAlive/count",
                "tcpKeepAlive.count: 128 (expected: 1-127)");
        rejects(LIMITS.replace(keepAlive, "{ idel: 30s }"), "lb.yaml:8:21", "/services/0/tcpKeepAlive/idel",
                "unknown key \"idel\" in tcpKeepAlive (expected one of: count, idle, interval)");
    }

    @Test
    void theProxySettingsAreWrittenOnlyWhereTheyApply() {
        List<VirtualService> services = yaml(LIMITS);
        VirtualService dr = yaml(PER_PORT).getFirst();

        String yaml = ServiceMapping.write(List.of(services.get(0), services.get(1), dr)).toYaml();

        assertThat(yaml).contains("  clientIdleTimeout: \"2h\"\n  serverIdleTimeout: \"0\"\n  tcpKeepAlive:\n"
                + "    idle: \"30s\"\n    interval: \"5s\"\n    count: 3\n  maxConnections: 200\n");
        assertThat(yaml.split("maxUdpSessions", -1)).hasSize(2);
        assertThat(yaml).contains("  maxUdpSessions: 500\n");
        assertThat(yaml.split("clientIdleTimeout", -1)).as("only the TCP proxy service has it").hasSize(2);
        assertThat(yaml(ServiceMapping.writeDocument(services).toYaml())).isEqualTo(services);
        assertThat(json(ServiceMapping.writeDocument(List.of(services.getFirst().toBuilder()
                .tcpKeepAlive(TcpKeepAlive.off()).build())).toJson()).getFirst().tcpKeepAlive())
                .isEqualTo(TcpKeepAlive.off());
    }

    // ------------------------------------------------------------------------------------------------ errors

    @Test
    void aBuilderRuleIsReportedAtTheValueItIsAbout() throws Exception {
        rejects(PER_PORT.replace("weight: 100 }", "weight: 100, port: 8080 }"), "lb.yaml:18:79",
                "/services/0/realServers/0/port", "realServer[PrimaryCluster].port: 8080 (expected: 0, the client's"
                        + " port: direct-routing cannot remap ports)");
        rejects(PER_PORT.replace("masquerade: true", "port: 11112"), "lb.yaml:19:49", "/services/0/fallback/port",
                "fallback.port: 11112 (expected: 0, the client's port: direct-routing cannot remap ports unless the"
                        + " fallback masquerades)");
        rejects(PER_PORT.replace("interval: 30s", "interval: 30s\n      timeout: 45s"), "lb.yaml:9:16",
                "/services/0/healthCheck/timeout", "healthCheck.timeout: PT45S (expected: <= interval PT30S)");
        rejects(PER_PORT.replace("calledAeTitle: MERGEPACS", "calledAeTitle: MERGEPACS-IS-TOO-LONG"),
                "lb.yaml:12:60", "/services/0/healthCheck/probes/0/calledAeTitle", "dicomEcho.calledAeTitle:"
                        + " \"MERGEPACS-IS-TOO-LONG\" (expected: 1-16 printable ASCII characters, no backslash,"
                        + " not only spaces)");
    }

    @Test
    void aPortRangeMustRunUpwardsWithinThePortsAndNoPortTwice() throws Exception {
        rejects(PER_PORT.replace("5222, 1001]", "5222, 1001, \"9010-9000\"]"), "lb.yaml:4:51", "/services/0/ports/7",
                "ports: \"9010-9000\" (expected: a range from low to high within 1-65535, such as \"8000-8010\")");
        rejects(PER_PORT.replace("5222, 1001]", "5222, 1001, \"1000-1002\"]"), "lb.yaml:4:51", "/services/0/ports/7",
                "ports: 1001 (expected: each port once; 1001 is listed twice)");
    }

    @Test
    void aRuleAcrossServicesIsReportedAtTheLaterService() throws Exception {
        String second = """
                  - label: %s
                    address: 192.168.100.100
                    ports: [9000, 8080]
                    realServers: [ { label: r, address: 10.0.0.2 } ]
                """;
        rejects(PER_PORT + second.formatted("OTHER"), "lb.yaml:22:19", "/services/1/ports/1", "services[OTHER].ports:"
                + " 8080 (expected: a port not already used by service \"PACS\" on 192.168.100.100/TCP)");
        rejects(PER_PORT + second.formatted("PACS").replace("[9000, 8080]", "[9000]"), "lb.yaml:20:12",
                "/services/1/label", "services: \"PACS\" (expected: unique labels; \"PACS\" is used twice)");
    }

    @Test
    void aRealServerLabelUsedTwiceIsReportedAtTheSecond() throws Exception {
        rejects(PER_PORT.replace("weight: 100 }",
                        "weight: 100 }\n      - { label: PrimaryCluster, address: 10.0.0.9 }"),
                "lb.yaml:19:18", "/services/0/realServers/1/label", "realServers: \"PrimaryCluster\" (expected: unique"
                        + " labels; \"PrimaryCluster\" is used twice)");
    }

    @Test
    void anEmptyListOfServicesIsRefused() throws Exception {
        rejects("services: []\n", "lb.yaml:1:11", "/services", "services: [] (expected: at least one service)");
    }

    // ------------------------------------------------------------------------------------------------ writing

    @Test
    void writtenServicesReadBackEqualWithRangesCompactedAndEveryValueOut() {
        List<VirtualService> services = yaml(PER_PORT.replace("[104, 80, 8080, 443, 8443, 5222, 1001]",
                "[104, 80, 8080, 443, 8443, 5222, 1001, 2000, 2001, \"3000-3100\"]")
                .replace("        - { type: connect, ports: [5222] }\n", "      otherPorts: connect\n"));

        String yaml = ServiceMapping.writeDocument(services).toYaml();

        assertThat(yaml).contains("  ports:\n  - 104\n  - 80\n  - 8080\n  - 443\n  - 8443\n  - 5222\n  - 1001\n"
                        + "  - 2000\n  - 2001\n  - \"3000-3100\"\n")
                .contains("      expectStatus:\n      - \"200-399\"\n", "  scheduler: \"wlc\"\n",
                        "  failback: \"automatic\"\n", "    otherPorts:\n      type: \"connect\"\n");
        assertThat(yaml(yaml)).isEqualTo(services);
        assertThat(json(ServiceMapping.writeDocument(services).toJson())).isEqualTo(services);
    }

    @Test
    void whatHasNoWrittenFormIsRefusedByServiceAndField() {
        VirtualService pacs = yaml(PER_PORT).getFirst();
        Scheduler mine = new Scheduler() {
            @Override
            public String name() {
                return "mine";
            }

            @Override
            public Selector newSelector(List<Backend> backends) {
                return null;
            }

            @Override
            public String toString() {
                return "Mine";
            }
        };

        assertThatThrownBy(() -> ServiceMapping.write(List.of(pacs.toBuilder().scheduler(mine).build())))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("services[PACS].scheduler: Mine (expected:"
                        + " rr, wrr, lc, wlc, sh, or mh with its default table; other schedulers have no written"
                        + " form)");
        assertThatThrownBy(() -> ServiceMapping.write(List.of(pacs.toBuilder().scheduler(Scheduler.maglev(251))
                .build()))).hasMessageStartingWith("services[PACS].scheduler: mh[tableSize=251] (expected:");
        assertThatThrownBy(() -> ServiceMapping.write(List.of(pacs.toBuilder().persistence(Duration.ofNanos(1))
                .build()))).hasMessage("services[PACS].persistence: PT0.000000001S (expected: a duration of whole"
                        + " milliseconds, not negative, at most 999999999 of one unit)");
    }

    // ------------------------------------------------------------------------------------------------ client address

    /** A proxy service for the modality's-address keys; %s is where they go. */
    private static final String PROXY = """
            services:
              - label: PACS
                address: 192.168.100.100
                ports: [104]
                forwarding: proxy
                %s
                realServers:
                  - { label: PrimaryCluster, address: 192.168.100.110 }
            """;

    @Test
    void theClientAddressKeysMapToTheirBuilderOptionsAndAreWrittenOut() {
        VirtualService read = yaml(PROXY.formatted("preserveClientAddress: true\n    proxyProtocol: v2")).getFirst();

        assertThat(read).isEqualTo(VirtualService.proxy().label("PACS").address("192.168.100.100").ports(104)
                .real("PrimaryCluster", "192.168.100.110").preserveClientAddress(true).proxyProtocol(ProxyProtocol.V2)
                .build());
        assertThat(yaml(PROXY.formatted("proxyProtocol: none")).getFirst().proxyProtocol())
                .isEqualTo(ProxyProtocol.NONE);
        assertThat(yaml(PROXY.formatted("preserveClientAddress: false")).getFirst().preserveClientAddress())
                .isFalse();
        String written = ServiceMapping.writeDocument(List.of(read)).toYaml();
        assertThat(written).contains("  preserveClientAddress: true\n", "  proxyProtocol: \"v2\"\n");
        assertThat(yaml(written)).containsExactly(read);
        // Defaults are written too, for a direct-routing service as for any other.
        assertThat(ServiceMapping.writeDocument(yaml(PER_PORT)).toYaml())
                .contains("  preserveClientAddress: false\n", "  proxyProtocol: \"none\"\n");
    }

    @Test
    void aBadClientAddressValueIsReportedWhereItIsWritten() throws Exception {
        rejects(PROXY.formatted("proxyProtocol: v1"), "lb.yaml:6:20", "/services/0/proxyProtocol",
                "proxyProtocol: \"v1\" (expected: none, v2)");
        rejects(PROXY.formatted("preserveClientAddress: yes please"), "lb.yaml:6:28",
                "/services/0/preserveClientAddress", "preserveClientAddress: \"yes please\" (expected: true or false)");
        rejects(PER_PORT.replace("forwarding: direct-routing",
                        "forwarding: direct-routing\n    preserveClientAddress: true"), "lb.yaml:6:28",
                "/services/0/preserveClientAddress", "preserveClientAddress: true (expected: false for a"
                        + " direct-routing service: only a proxy service opens its own connections to the real servers,"
                        + " direct-routing keeps the client's address already)");
        rejects(PROXY.formatted("proxyProtocol: v2\n    protocol: udp"), "lb.yaml:6:20", "/services/0/proxyProtocol",
                "proxyProtocol: \"v2\" (expected: none for a UDP service: the PROXY header is sent on TCP connections"
                        + " only)");
    }
}
