package io.lb4j.ha.replication;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.Protocol;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.Probe;
import io.lb4j.ha.internal.ServiceCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    static List<VirtualService> everyKindOfService() {
        return List.of(pacs(),
                VirtualService.proxy().label("Web").address("192.168.100.101").ports(443).protocol(Protocol.TCP)
                        .real("a", "192.168.100.111").real("b", "192.168.100.112", r -> r.weight(50).port(8443))
                        .healthCheck(HealthCheck.https().ports(443).interval(Duration.ofSeconds(5)))
                        .scheduler(Scheduler.maglev()).build(),
                VirtualService.nat().label("RIS").address("192.168.100.102").ports(104, 2575)
                        .real("ris", "192.168.100.113")
                        .healthCheck(HealthCheck.allOf(CompositeProbe.on(new DicomEchoProbe("LB4J", "RIS"), 104)
                                .and(Hl7Probe.defaults(), 2575)))
                        .scheduler(Scheduler.sourceHash()).failback(FailbackPolicy.manual()).build(),
                VirtualService.directRouting().label("Legacy").address("192.168.100.103").ports(21)
                        .real("ftp", "192.168.100.114")
                        .healthCheck(HealthCheck.external(Path.of("check-ftp.sh"))) // inside the script directories
                        .scheduler(Scheduler.roundRobin()).build(),
                VirtualService.directRouting().label("Manual").address("192.168.100.104").ports(5000)
                        .real("m", "192.168.100.115").healthCheck(HealthCheck.none()).build());
    }

    @Test
    void everyBuiltInServiceShapeSurvivesTheRoundTripExactly() {
        List<VirtualService> services = everyKindOfService();

        assertThat(ServiceCodec.decode(ServiceCodec.encode(services))).isEqualTo(services);
    }

    @Test
    void theFormatIsVersionedAndOtherDocumentsAreRejected() {
        assertThat(new String(ServiceCodec.encode(List.of(pacs())), StandardCharsets.UTF_8))
                .startsWith("{\"format\":\"lb4j-services/1\",\"services\":[{\"method\":\"DIRECT_ROUTING\"");
        assertThatThrownBy(() -> ServiceCodec.decode("{\"format\":\"other/9\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("format: \"other/9\" (expected: \"lb4j-services/1\")");
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
                .hasMessageStartingWith("services[PACS].healthCheck.probe: ")
                .hasMessageEndingWith("(expected: a built-in probe; a custom probe has no portable description to "
                        + "replicate)");
    }

    @Test
    void anInvalidServiceInTheDocumentIsRejectedWithTheBuildersMessage() {
        String json = new String(ServiceCodec.encode(List.of(pacs())), StandardCharsets.UTF_8)
                .replace("\"weight\":100", "\"weight\":70000");

        assertThatThrownBy(() -> ServiceCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight").hasMessageContaining("70000");
    }

}
