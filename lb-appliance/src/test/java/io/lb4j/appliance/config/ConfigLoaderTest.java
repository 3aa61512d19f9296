package io.lb4j.appliance.config;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.Protocol;
import io.lb4j.api.RealServer;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.NegotiateProbe;
import io.lb4j.config.ConfigException;
import io.lb4j.engine.proxy.Transport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    /** The example, verbatim. */
    private static final String SEED = """
            engine: proxy            # proxy | packet (packet: needs `interface:`)
            services:
              - label: PACS
                address: 127.0.0.1
                ports: [104, 80, 8080, 443, 8443, 5222, 1001]
                forwarding: proxy    # direct-routing | nat | tunnel | proxy
                scheduler: wlc
                healthCheck: { type: connect, ports: all, interval: 30s, timeout: 5s, failAfter: 10, riseAfter: 1 }
                realServers:
                  - { label: PrimaryCluster, address: 127.0.0.2, weight: 100 }
                fallback: { address: 127.0.0.3, port: 0, masquerade: true }
            """;

    private static ApplianceConfig parse(String yaml) {
        return ConfigLoader.parse(yaml, "pacs.yaml");
    }

    // ------------------------------------------------------------------------------------------------ scriptDirectories

    @Test
    void scriptDirectoriesDefaultToEtcLb4jChecks() {
        assertThat(parse(SEED).scriptDirectories()).containsExactly(Path.of("/etc/lb4j/checks"));
    }

    @Test
    void scriptDirectoriesAreReadAsAbsolutePathsInFileOrder() {
        ApplianceConfig config = parse("scriptDirectories: [/opt/pacs/checks, /etc/lb4j/checks]\n" + SEED);

        assertThat(config.scriptDirectories()).containsExactly(Path.of("/opt/pacs/checks"), Path.of("/etc/lb4j/checks"));
    }

    @Test
    void aRelativeScriptDirectoryIsRejectedAtItsValue() {
        assertThatThrownBy(() -> parse("scriptDirectories: [checks]\n" + SEED))
                .isInstanceOf(ConfigException.class)
                .hasMessage("pacs.yaml:1:21: scriptDirectories: checks (expected: absolute paths, such as"
                        + " /etc/lb4j/checks)");
    }

    // ------------------------------------------------------------------------------------------------ client address

    @Test
    void keepingTheClientsAddressNeedsTheEpollTransportAndIsRefusedAtItsKeyWithout() {
        String file = """
                engine: { type: proxy%s }
                services:
                  - label: PACS
                    address: 127.0.0.1
                    ports: [104]
                    preserveClientAddress: true
                    proxyProtocol: v2
                    realServers: [ { label: PrimaryCluster, address: 127.0.0.2 } ]
                """;

        VirtualService read = parse(file.formatted("")).services().getFirst();             // transport: auto
        assertThat(read.preserveClientAddress()).isTrue();
        assertThat(read.proxyProtocol()).isEqualTo(io.lb4j.api.ProxyProtocol.V2);
        assertThat(parse(file.formatted(", transport: epoll")).services().getFirst().preserveClientAddress()).isTrue();
        assertThatThrownBy(() -> parse(file.formatted(", transport: nio")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("pacs.yaml:6:28: preserveClientAddress: true (expected: false, or engine: { transport:"
                        + " auto | io_uring | epoll }: IP_TRANSPARENT needs a native transport of the proxy engine)");
    }

    // ------------------------------------------------------------------------------------------------ valid files

    @Test
    void seedExampleParsesToTheSameServiceAsTheJavaBuilder() {
        VirtualService built = VirtualService.proxy()
                .label("PACS")
                .address("127.0.0.1")
                .ports(104, 80, 8080, 443, 8443, 5222, 1001)
                .scheduler(Scheduler.weightedLeastConnections())
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30))
                        .timeout(Duration.ofSeconds(5)).failAfter(10).riseAfter(1))
                .real("PrimaryCluster", "127.0.0.2", r -> r.weight(100))
                .fallback("127.0.0.3", f -> f.port(0).masquerade(true))
                .build();

        ApplianceConfig config = parse(SEED);

        assertThat(config.services()).containsExactly(built);
        assertThat(config.engine()).isEqualTo(EngineConfig.PROXY_DEFAULTS);
    }

    @Test
    void ipv6VipsRealServersAndFallbacksAreAcceptedWithOrWithoutBrackets() {
        ApplianceConfig config = parse("""
                engine: packet
                interface: eth0
                services:
                  - label: PACS-v6
                    address: "2001:db8::100"
                    ports: [104]
                    forwarding: direct-routing
                    realServers:
                      - { label: PrimaryCluster, address: "[2001:db8::110]" }
                    fallback: { address: "2001:DB8:0:0::120", masquerade: true }
                  - label: WEB
                    address: 192.168.100.101
                    ports: [443]
                    forwarding: nat
                    realServers:
                      - { label: a, address: 192.168.100.111 }
                """);

        VirtualService v6 = config.services().getFirst();
        assertThat(v6.address().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:100");
        assertThat(v6.realServer("PrimaryCluster").orElseThrow().address())
                .isEqualTo(java.net.InetAddress.ofLiteral("2001:db8::110"));
        assertThat(v6.fallback().orElseThrow().address()).isEqualTo(java.net.InetAddress.ofLiteral("2001:db8::120"));
        assertThat(config.services().get(1).address().getHostAddress()).isEqualTo("192.168.100.101");
    }

    @Test
    void aServiceOfOneFamilyWithARealServerOfTheOtherIsRefusedAtItsAddress() {
        assertThatThrownBy(() -> parse("""
                engine: packet
                interface: eth0
                services:
                  - label: PACS-v6
                    address: "2001:db8::100"
                    ports: [104]
                    realServers:
                      - { label: PrimaryCluster, address: 192.168.100.110 }
                """)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("pacs.yaml:")
                .hasMessageContaining("address: 192.168.100.110 (expected: an IPv6 address like the VIP");
    }

    @Test
    void everyServiceAndRealServerKeyMapsToItsBuilderOption() {
        ApplianceConfig config = parse("""
                engine: { type: proxy, ioThreads: 1, connectTimeout: 500ms, maxPendingBytes: 131072, udpIdleTimeout: 5m, transport: nio }
                services:
                  - label: WEB
                    address: 127.0.0.1
                    ports: [8080, "9000-9002"]
                    protocol: tcp
                    scheduler: rr
                    persistence: 5m
                    failback: { holdDown: 10m }
                    healthCheck: none
                    realServers:
                      - { label: a, address: 127.0.0.2, port: 80, weight: 50, minConnections: 10, maxConnections: 100 }
                      - { label: b, address: 127.0.0.4 }
                  - label: SYSLOG
                    address: 127.0.0.1
                    ports: 514
                    protocol: udp
                    failback: manual
                    healthCheck: { type: connect, ports: [5140], interval: 1h, jitter: 500ms }
                    realServers:
                      - { label: log, address: 127.0.0.5, port: 5140 }
                """);

        VirtualService web = VirtualService.proxy().label("WEB").address("127.0.0.1").ports(8080).portRange(9000, 9002)
                .protocol(Protocol.TCP).scheduler(Scheduler.roundRobin()).persistence(Duration.ofMinutes(5))
                .failback(FailbackPolicy.holdDown(Duration.ofMinutes(10))).healthCheck(HealthCheck.none())
                .real("a", "127.0.0.2", r -> r.port(80).weight(50).minConnections(10).maxConnections(100))
                .real("b", "127.0.0.4")
                .build();
        VirtualService syslog = VirtualService.proxy().label("SYSLOG").address("127.0.0.1").ports(514)
                .protocol(Protocol.UDP).failback(FailbackPolicy.manual())
                .healthCheck(HealthCheck.connect().ports(5140).interval(Duration.ofHours(1)).jitter(Duration.ofMillis(500)))
                .real("log", "127.0.0.5", r -> r.port(5140))
                .build();
        assertThat(config.services()).containsExactly(web, syslog);
        assertThat(config.engine()).isEqualTo(new EngineConfig("proxy", "", 1, Duration.ofMillis(500), 131072,
                Duration.ofMinutes(5), Transport.NIO));
    }

    @Test
    void everyHealthCheckTypeMapsToItsProbe() {
        String services = """
                services:
                  - label: S
                    address: 127.0.0.1
                    ports: [104]
                    healthCheck: %s
                    realServers: [ { label: r, address: 127.0.0.2 } ]
                """;
        assertThat(check(services, "{ type: http, path: /health, method: HEAD, host: pacs.example, expectStatus: [200, 204] }").probe())
                .isEqualTo(HttpProbe.head("/health").host("pacs.example").expectStatus(200, 204));
        assertThat(check(services, "{ type: https, path: /, bodyPattern: UP, insecure: true }").probe())
                .isEqualTo(HttpProbe.get("/").bodyMatches("UP").tls(true).insecure(true));
        assertThat(check(services, "{ type: dicom-echo, calledAeTitle: PACS, ports: [104] }").probe())
                .isEqualTo(DicomEchoProbe.of("LB4J", "PACS"));
        assertThat(check(services, "{ type: hl7 }").probe()).isEqualTo(Hl7Probe.defaults());
        assertThat(check(services, "{ type: negotiate, send: \"HELO\\r\\n\", expect: \"^220\" }").probe())
                .isEqualTo(NegotiateProbe.of("HELO\r\n", "^220"));
        assertThat(check(services, "{ type: external, script: /opt/check.sh, checkSource: 10.0.0.1 }").probe())
                .isEqualTo(ExternalProbe.of(Path.of("/opt/check.sh")).withCheckSource("10.0.0.1"));
        assertThat(check(services, "none").isNone()).isTrue();
    }

    private static HealthCheck check(String template, String healthCheck) {
        return parse(template.formatted(healthCheck)).services().getFirst().healthCheck();
    }

    @Test
    void perPortChecksAreWrittenAsAllOfWithAProbePerPort() {
        HealthCheck check = parse(SEED.replace(SEED.lines().filter(l -> l.contains("healthCheck:")).findFirst()
                        .orElseThrow() + "\n",
                """
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
                          otherPorts: connect
                    """)).services().getFirst().healthCheck();

        assertThat(check).isEqualTo(HealthCheck.allOf(CompositeProbe
                        .on(DicomEchoProbe.of("LB4J", "MERGEPACS"), 104)
                        .and(HttpProbe.get("/"), 80, 8080)
                        .and(HttpProbe.get("/").tls(true).insecure(true), 443, 8443)
                        .and(Hl7Probe.defaults(), 1001)
                        .otherPorts(ConnectProbe.INSTANCE))
                .interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1).build());
    }

    @Test
    void forwardingDefaultsToWhatTheEngineForwards() {
        ApplianceConfig config = parse("""
                services:
                  - { label: S, address: 127.0.0.1, ports: [80], realServers: [ { label: r, address: 127.0.0.2 } ] }
                """);
        assertThat(config.services().getFirst().method()).isEqualTo(ForwardingMethod.PROXY);
        assertThat(config.services().getFirst().realServers()).containsExactly(
                RealServer.builder("r", "127.0.0.2").build());
    }

    // ------------------------------------------------------------------------------------------------ errors
    // One test per kind of error; each asserts file:line(:column) and the message.

    @Test
    void unknownTopLevelKeyIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse("engine: proxy\nservise: []\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("pacs.yaml:2:1: unknown key \"servise\" in the top level")
                .hasMessageContaining("expected one of: admin, alerts, cluster, engine, ha, interface, scriptDirectories, services, snmp");
    }

    @Test
    void unknownServiceKeyIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse(SEED.replace("    scheduler: wlc", "    schedular: wlc")))
                .hasMessageStartingWith("pacs.yaml:7:5: unknown key \"schedular\" in a service");
    }

    @Test
    void keyOfAnotherCheckTypeIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse(SEED.replace("failAfter: 10,", "failAfter: 10, path: /,")))
                .hasMessageStartingWith("pacs.yaml:8:")
                .hasMessageContaining("unknown key \"path\" in a connect healthCheck");
    }

    @Test
    void badDurationIsRejectedAtItsLineAndColumn() {
        assertThatThrownBy(() -> parse(SEED.replace("interval: 30s", "interval: 30")))
                .hasMessage("pacs.yaml:8:57: healthCheck.interval: 30 (expected: a duration such as 500ms, 30s, 5m or 1h)");
    }

    @Test
    void badEnumValueIsRejectedWithTheAllowedValues() {
        assertThatThrownBy(() -> parse(SEED.replace("forwarding: proxy", "forwarding: masq")))
                .hasMessageStartingWith("pacs.yaml:6:17: forwarding: \"masq\" (expected: direct-routing, nat, tunnel, proxy)");
    }

    @Test
    void unknownSchedulerIsRejectedWithTheBuilderMessageAtItsLine() {
        assertThatThrownBy(() -> parse(SEED.replace("scheduler: wlc", "scheduler: fastest")))
                .hasMessageStartingWith("pacs.yaml:7:16: scheduler:")
                .hasMessageContaining("fastest");
    }

    @Test
    void builderRangeErrorIsReportedAtTheOffendingValue() {
        assertThatThrownBy(() -> parse(SEED.replace("weight: 100", "weight: 70000")))
                .hasMessage("pacs.yaml:10:62: realServer[PrimaryCluster].weight: 70000 (expected: 0-65535)");
    }

    @Test
    void crossFieldRuleOfTheHealthCheckIsReportedAtTheFieldItNames() {
        assertThatThrownBy(() -> parse(SEED.replace("timeout: 5s", "timeout: 45s")))
                .hasMessageStartingWith("pacs.yaml:8:71: healthCheck.timeout: PT45S (expected: <= interval PT30S)");
    }

    @Test
    void methodRuleOfTheServiceBuilderIsReportedAtTheRealServersPort() {
        String dr = SEED.replace("forwarding: proxy", "forwarding: direct-routing")
                .replace("weight: 100 }", "weight: 100, port: 8080 }");
        assertThatThrownBy(() -> parse(dr))
                .hasMessageStartingWith("pacs.yaml:10:")
                .hasMessageContaining("realServer[PrimaryCluster].port: 8080 (expected: 0, the client's port: "
                        + "direct-routing cannot remap ports)");
    }

    @Test
    void duplicatePortIsReportedAtTheSecondOccurrence() {
        assertThatThrownBy(() -> parse(SEED.replace("5222, 1001]", "5222, 104]")))
                .hasMessage("pacs.yaml:5:45: ports: 104 (expected: each port once; 104 is listed twice)");
    }

    @Test
    void portOutOfRangeIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse(SEED.replace("[104, 80,", "[104, 70000,")))
                .hasMessageStartingWith("pacs.yaml:5:")
                .hasMessageContaining("ports: 70000 (expected: 1-65535)");
    }

    @Test
    void reversedPortRangeIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse(SEED.replace("[104, 80,", "[104, \"9010-9000\", 80,")))
                .hasMessage("pacs.yaml:5:18: ports: \"9010-9000\" (expected: a range from low to high within 1-65535,"
                        + " such as \"8000-8010\")");
    }

    @Test
    void invalidAddressIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse(SEED.replace("address: 127.0.0.2", "address: 127.0.0.256")))
                .hasMessageStartingWith("pacs.yaml:10:")
                .hasMessageContaining("127.0.0.256");
    }

    @Test
    void missingRequiredKeyIsReportedAtItsMapping() {
        assertThatThrownBy(() -> parse(SEED.replace("    address: 127.0.0.1\n", "")))
                .hasMessageStartingWith("pacs.yaml:3:")
                .hasMessageContaining("address: missing in service \"PACS\"");
    }

    @Test
    void valueOfTheWrongTypeIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse(SEED.replace("weight: 100", "weight: heavy")))
                .hasMessage("pacs.yaml:10:62: realServer[PrimaryCluster].weight: \"heavy\" (expected: an integer)");
    }

    @Test
    void repeatedKeyIsRejectedAtTheRepetition() {
        assertThatThrownBy(() -> parse(SEED.replace("    scheduler: wlc\n", "    scheduler: wlc\n    scheduler: rr\n")))
                .hasMessage("pacs.yaml:8:5: key \"scheduler\" repeated (expected: each key once)");
    }

    @Test
    void malformedYamlIsRejectedAtTheSyntaxError() {
        assertThatThrownBy(() -> parse(SEED.replace("ports: [104, 80,", "ports: [104, 80,,")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("pacs.yaml:5:")
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void yamlAliasIsRejectedAtItsLocationInsteadOfBecomingAString() {
        assertThatThrownBy(() -> parse(SEED.replace("address: 127.0.0.2", "address: *primary")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("pacs.yaml:10:43: alias *primary (expected: the value itself; YAML anchors and aliases are"
                        + " not supported; write the value out)");
    }

    @Test
    void duplicateServiceLabelIsReportedAtTheSecondService() {
        String twice = SEED + """
                  - label: PACS
                    address: 127.0.0.9
                    ports: [104]
                    realServers: [ { label: r, address: 127.0.0.2 } ]
                """;
        assertThatThrownBy(() -> parse(twice))
                .hasMessageStartingWith("pacs.yaml:12:12: services: \"PACS\" (expected: unique labels");
    }

    @Test
    void portUsedByTwoServicesIsReportedAtTheLaterOne() {
        String overlap = SEED + """
                  - label: OTHER
                    address: 127.0.0.1
                    ports: [9000, 8080]
                    realServers: [ { label: r, address: 127.0.0.2 } ]
                """;
        assertThatThrownBy(() -> parse(overlap))
                .hasMessageStartingWith("pacs.yaml:14:19: services[OTHER].ports: 8080 (expected: a port not already used"
                        + " by service \"PACS\"");
    }

    @Test
    void packetEngineWithoutInterfaceIsRejectedAtTheEngineKey() {
        assertThatThrownBy(() -> parse(SEED.replace("engine: proxy", "engine: packet")))
                .hasMessageStartingWith("pacs.yaml:1:9: engine: packet needs `interface:`");
    }

    @Test
    void badEngineOptionIsReportedWithTheEngineMessage() {
        assertThatThrownBy(() -> parse(SEED.replace("engine: proxy", "engine: { type: proxy, ioThreads: 0 }")))
                .hasMessageStartingWith("pacs.yaml:1:")
                .hasMessageContaining("ioThreads: 0 (expected: 1-1024)");
    }

    @Test
    void engineTransportIsOneOfTheProxyTransportsInLowerCase() {
        for (Transport t : Transport.available()) {
            String name = t.name().toLowerCase();
            assertThat(parse(SEED.replace("engine: proxy", "engine: { type: proxy, transport: " + name + " }"))
                    .engine().transport()).as(name).isEqualTo(t);
        }
        assertThat(parse(SEED).engine().transport()).isEqualTo(Transport.AUTO);
        assertThatThrownBy(() -> parse(SEED.replace("engine: proxy", "engine: { type: proxy, transport: uring }")))
                .hasMessage("pacs.yaml:1:35: engine.transport: \"uring\" (expected: auto | nio | epoll | io_uring)");
    }

    @Test
    void badFailbackIsRejectedWithTheAllowedForms() {
        assertThatThrownBy(() -> parse(SEED.replace("    scheduler: wlc\n", "    scheduler: wlc\n    failback: sometimes\n")))
                .hasMessage("pacs.yaml:8:15: failback: \"sometimes\" (expected: automatic | manual | { holdDown:"
                        + " <duration> })");
    }

    @Test
    void emptyFileIsRejected() {
        assertThatThrownBy(() -> parse("# nothing here\n"))
                .hasMessage("pacs.yaml: the document is empty (expected: a mapping with `services:`)");
    }
}
