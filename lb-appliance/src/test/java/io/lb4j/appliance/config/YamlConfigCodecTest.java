package io.lb4j.appliance.config;

import io.lb4j.admin.ConfigCodec;
import io.lb4j.admin.InvalidConfigException;
import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.Protocol;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.engine.proxy.Transport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin server's {@code /api/config} in the file's YAML: what it writes reads back equal; errors by line. */
class YamlConfigCodecTest {

    private static final ApplianceConfig RUNNING = ConfigLoader.parse("""
            services:
              - { label: PACS, address: 127.0.0.1, ports: [10104], realServers: [ { label: P, address: 127.0.0.2 } ] }
            """, "lb.yaml");

    private final ConfigCodec codec = ConfigLoader.codec(RUNNING);

    @Test
    void whatItWritesParsesBackToEqualServices() {
        VirtualService pacs = VirtualService.proxy().label("PACS").address("127.0.0.1").ports(10104, 10080)
                .portRange(18000, 18002).scheduler(Scheduler.roundRobin()).persistence(Duration.ofMinutes(5))
                .failback(FailbackPolicy.holdDown(Duration.ofMinutes(10)))
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1))
                .real("PrimaryCluster", "127.0.0.2", r -> r.weight(100).maxConnections(500).minConnections(10))
                .fallback("127.0.0.3", f -> f.port(11112).masquerade(true))
                .build();
        VirtualService web = VirtualService.proxy().label("Web").address("127.0.0.1").ports(10443)
                .real("A", "127.0.0.4", r -> r.port(8443)).real("B", "127.0.0.5", r -> r.weight(0))
                .healthCheck(HealthCheck.https(HttpProbe.get("/health").expectStatus(200, 204).bodyMatches("UP")
                        .host("web.local").tls(true).insecure(true)).interval(Duration.ofMillis(1500)))
                .failback(FailbackPolicy.manual())
                .build();
        VirtualService dicom = VirtualService.proxy().label("DICOM").address("127.0.0.1").ports(11104)
                .real("D", "127.0.0.6").healthCheck(HealthCheck.dicomEcho(DicomEchoProbe.of("LB", "PACS")).ports(11104))
                .build();
        VirtualService hl7 = VirtualService.proxy().label("HL7").address("127.0.0.1").ports(12575)
                .protocol(Protocol.TCP).real("H", "127.0.0.7").healthCheck(HealthCheck.hl7(Hl7Probe.template(
                        "MSH|^~\\&|LB4J|LB|RIS|HOSP|||QRY^A19|1|P|2.3\rQRD|||R|1|||1^RD|PING|DEM\r")))
                .build();
        VirtualService misc = VirtualService.proxy().label("Misc").address("127.0.0.1").ports(13000)
                .real("N", "127.0.0.8").healthCheck(HealthCheck.negotiate("PING\n", "PONG").jitter(Duration.ofSeconds(1)))
                .build();
        VirtualService ext = VirtualService.proxy().label("Ext").address("127.0.0.1").ports(13001)
                .real("E", "127.0.0.9").healthCheck(HealthCheck.external(ExternalProbe.of(Path.of("/usr/local/bin/check"))
                        .withCheckSource("10.0.0.2")))
                .build();
        VirtualService udp = VirtualService.proxy().label("Syslog").address("127.0.0.1").ports(10514)
                .protocol(Protocol.UDP).real("S", "127.0.0.10").healthCheck(HealthCheck.none()).build();
        VirtualService perPort = VirtualService.proxy().label("PerPort").address("127.0.0.1").ports(14104, 14080, 14222)
                .real("P", "127.0.0.11").healthCheck(HealthCheck.allOf(CompositeProbe
                        .on(DicomEchoProbe.of("LB4J", "MERGEPACS"), 14104).and(HttpProbe.get("/"), 14080)
                        .otherPorts(ConnectProbe.INSTANCE)))
                .build();
        List<VirtualService> services = List.of(pacs, web, dicom, hl7, misc, ext, udp, perPort);

        String yaml = codec.encode(services);

        assertThat(yaml).startsWith("services:\n").contains("  forwarding: \"proxy\"").contains("holdDown: \"10m\"")
                .doesNotContain("{").as("block style, the file's shape");
        assertThat(codec.decode(yaml)).containsExactlyElementsOf(services);
        assertThat(codec.mediaType()).isEqualTo("application/yaml");
    }

    @Test
    void acceptsWhatTheFileAcceptsWithTheRunningEngine() {
        ApplianceConfig packet = new ApplianceConfig(new EngineConfig("packet", "eth0", 0, Duration.ofSeconds(3),
                65536, Duration.ofSeconds(60), Transport.EPOLL), RUNNING.services());

        List<VirtualService> services = ConfigLoader.codec(packet).decode("""
                services:
                  - { label: PACS, address: 10.0.0.1, ports: [104], realServers: [ { label: P, address: 10.0.0.2 } ] }
                """);

        assertThat(services.getFirst().method()).as("the running packet engine's default, as in its file")
                .isEqualTo(ForwardingMethod.DIRECT_ROUTING);
    }

    @Test
    void fileErrorComesBackWithItsLineAndColumnAsThePath() {
        assertThatThrownBy(() -> codec.decode("""
                services:
                  - label: PACS
                    address: 127.0.0.1
                    ports: [10104]
                    realServers: [ { label: P, address: 127.0.0.2, weight: 70000 } ]
                """)).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.path()).isEqualTo("line 5, column 60");
                    assertThat(e.getMessage()).isEqualTo("realServer[P].weight: 70000 (expected: 0-65535)");
                });
    }

    @Test
    void unknownKeyComesBackWithItsLine() {
        assertThatThrownBy(() -> codec.decode("services:\n  - { label: PACS, adress: 127.0.0.1 }\n"))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.path()).isEqualTo("line 2, column 20");
                    assertThat(e.getMessage()).startsWith("unknown key \"adress\" in a service");
                });
    }

    @Test
    void anotherEngineIsRefusedSinceItChangesOnlyWithARestart() {
        assertThatThrownBy(() -> codec.decode("engine: { type: proxy, ioThreads: 3 }\n" + codec.encode(RUNNING.services())))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> {
                    assertThat(e.path()).isEqualTo("line 1, column 9");
                    assertThat(e.getMessage()).startsWith("engine: proxy differs from the running engine's settings");
                });
    }

    @Test
    void theRunningEngineSectionRepeatedIsAccepted() {
        assertThat(codec.decode("engine: proxy\n" + codec.encode(RUNNING.services())))
                .isEqualTo(RUNNING.services());
    }
}
