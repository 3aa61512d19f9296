package io.lb4j.ha.replication;

import io.lb4j.api.FailbackPolicy;
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
import io.lb4j.api.check.Probe;
import io.lb4j.config.ConfigException;
import io.lb4j.ha.internal.ServiceCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The replication body: lb-config's document with a format marker; what the primary writes, the secondary reads. */
class ServiceCodecTest {

    static VirtualService pacs() {
        return pacs(100);
    }

    static VirtualService pacs(int weight) {
        return VirtualService.directRouting().label("PACS").address("192.168.100.100")
                .ports(104, 80, 8080, 443, 8443, 5222, 1001)
                .real("PrimaryCluster", "192.168.100.110", r -> r.weight(weight).maxConnections(500))
                .fallback("192.168.100.120", f -> f.masquerade(true))
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30)).failAfter(10)
                        .riseAfter(1))
                .persistence(Duration.ofMinutes(5))
                .failback(FailbackPolicy.holdDown(Duration.ofMinutes(2)))
                .build();
    }

    /** The README's per-port check on the appliance guide's MergePACS service. */
    static VirtualService perPortPacs() {
        return pacs().toBuilder().healthCheck(HealthCheck.allOf(CompositeProbe
                        .on(DicomEchoProbe.of("LB4J", "MERGEPACS"), 104)
                        .and(HttpProbe.get("/"), 80, 8080)
                        .and(HttpProbe.get("/").tls(true).insecure(true), 443, 8443)
                        .and(Hl7Probe.defaults(), 1001)
                        .otherPorts(ConnectProbe.INSTANCE))
                .interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1)).build();
    }

    static List<VirtualService> everyKindOfService() {
        return List.of(perPortPacs(),
                VirtualService.proxy().label("Web").address("192.168.100.101").ports(443).protocol(Protocol.TCP)
                        .real("a", "192.168.100.111").real("b", "192.168.100.112", r -> r.weight(50).port(8443))
                        .healthCheck(HealthCheck.https(HttpProbe.head("/health").host("web.local")
                                .expectStatus(200, 204)).ports(443).interval(Duration.ofSeconds(5)))
                        .scheduler(Scheduler.maglev()).build(),
                VirtualService.nat().label("RIS").address("192.168.100.102").ports(104, 2575)
                        .real("ris", "192.168.100.113")
                        .healthCheck(HealthCheck.allOf(CompositeProbe.on(new DicomEchoProbe("LB4J", "RIS"), 104)
                                .and(Hl7Probe.defaults(), 2575)))
                        .scheduler(Scheduler.sourceHash()).failback(FailbackPolicy.manual()).build(),
                VirtualService.directRouting().label("Legacy").address("192.168.100.103").ports(21)
                        .real("ftp", "192.168.100.114")
                        .healthCheck(HealthCheck.external(ExternalProbe.of(Path.of("check-ftp.sh"))
                                .withCheckSource("192.168.100.2"))) // inside the script directories
                        .scheduler(Scheduler.roundRobin()).build(),
                VirtualService.tunnel().label("Range").address("192.168.100.105").portRange(9000, 9010)
                        .real("r", "192.168.100.116").healthCheck(HealthCheck.negotiate("PING\r\n", "^PONG")
                                .ports(9000).jitter(Duration.ofMillis(250)))
                        .scheduler(Scheduler.weightedRoundRobin()).build(),
                VirtualService.proxy().label("Syslog").address("192.168.100.106").ports(514).protocol(Protocol.UDP)
                        .real("s", "192.168.100.117", r -> r.port(5514)).scheduler(Scheduler.leastConnections())
                        .healthCheck(HealthCheck.connect().ports(5514)).build(),
                VirtualService.directRouting().label("Manual").address("192.168.100.104").ports(5000)
                        .real("m", "192.168.100.115").healthCheck(HealthCheck.none()).build());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyBuiltInServiceShapeSurvivesTheRoundTripExactly() {
        List<VirtualService> services = everyKindOfService();

        assertThat(ServiceCodec.decode(ServiceCodec.encode(services))).isEqualTo(services);
    }

    @Test
    void theBodyIsLbConfigsDocumentAfterAFormatMarker() {
        String json = new String(ServiceCodec.encode(List.of(perPortPacs())), StandardCharsets.UTF_8);

        assertThat(json).startsWith("{\n  \"format\" : \"lb4j-services/2\",\n  \"services\" : [ {\n"
                + "    \"label\" : \"PACS\",\n    \"address\" : \"192.168.100.100\",")
                .contains("\"forwarding\" : \"direct-routing\"", "\"interval\" : \"30s\"", "\"type\" : \"all-of\"",
                        "\"type\" : \"dicom-echo\"");
    }

    @Test
    void aBodyOfAnotherFormatIsRejectedByName() {
        assertThatThrownBy(() -> ServiceCodec.decode(utf8("{\"format\":\"lb4j-services/1\",\"services\":[]}")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("/format: format: \"lb4j-services/1\" (expected: \"lb4j-services/2\")");
        assertThatThrownBy(() -> ServiceCodec.decode(utf8("{\"services\":[]}")))
                .hasMessage("/: format: missing in a replication message (expected: a `format:` entry)");
        assertThatThrownBy(() -> ServiceCodec.decode(utf8("[1, 2")))
                .hasMessageStartingWith("line 1, column 6: not valid JSON: Unexpected end-of-input");
    }

    @Test
    void aCustomProbeCannotBeReplicatedAndIsRejectedByName() {
        record MyProbe() implements Probe {
            @Override
            public String type() {
                return "mine";
            }
        }
        VirtualService custom = pacs().toBuilder().healthCheck(HealthCheck.of(new MyProbe()).build()).build();

        assertThatThrownBy(() -> ServiceCodec.encode(List.of(custom))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("services[PACS].healthCheck: mine (expected: a built-in probe; ")
                .hasMessageEndingWith("MyProbe is the application's own and has no written form)");
    }

    @Test
    void anInvalidServiceInTheBodyIsRejectedAtItsPointerWithTheBuildersMessage() {
        String json = new String(ServiceCodec.encode(List.of(pacs())), StandardCharsets.UTF_8)
                .replace("\"weight\" : 100", "\"weight\" : 70000");

        assertThatThrownBy(() -> ServiceCodec.decode(utf8(json))).isInstanceOf(ConfigException.class)
                .hasMessage("/services/0/realServers/0/weight: realServer[PrimaryCluster].weight: 70000 (expected:"
                        + " 0-65535)");
    }
}
