package io.lb4j.admin;

import io.lb4j.api.FailbackPolicy;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.Protocol;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The default codec: what it writes reads back equal, and a bad field is reported with its JSON path. */
class JsonConfigCodecTest {

    private final ConfigCodec codec = ConfigCodec.json();

    @Test
    void whatItWritesReadsBackEqual() {
        VirtualService pacs = VirtualService.directRouting().label("PACS").address("192.168.100.100")
                .ports(104, 80, 8080).real("PrimaryCluster", "192.168.100.110", r -> r.weight(100).maxConnections(500))
                .fallback("192.168.100.120", f -> f.masquerade(true).port(11112))
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1))
                .failback(FailbackPolicy.holdDown(Duration.ofMinutes(5))).persistence(Duration.ofMinutes(1))
                .build();
        VirtualService web = VirtualService.nat().label("Web").address("10.0.0.1").ports(443).protocol(Protocol.TCP)
                .real("A", "10.0.0.2", r -> r.port(8443)).real("B", "10.0.0.3", r -> r.weight(0))
                .healthCheck(HealthCheck.https(HttpProbe.get("/health").expectStatus(200).bodyMatches("UP"))
                        .interval(Duration.ofMillis(1500)))
                .scheduler(Scheduler.roundRobin()).failback(FailbackPolicy.manual())
                .build();
        String json = codec.encode(List.of(pacs, web));
        assertThat(json).contains("\"forwarding\" : \"direct-routing\"").contains("\"interval\" : \"30s\"")
                .contains("\"holdDown\" : \"5m\"").contains("\"interval\" : \"1500ms\"");
        assertThat(codec.decode(json)).containsExactly(pacs, web);
    }

    @Test
    void aPerPortCompositeCheckReadsBackEqual() {
        VirtualService pacs = VirtualService.directRouting().label("PACS").address("192.168.100.100")
                .ports(104, 80, 8080, 443, 8443, 5222, 1001).real("PrimaryCluster", "192.168.100.110")
                .healthCheck(HealthCheck.allOf(CompositeProbe
                                .on(DicomEchoProbe.of("LB4J", "MERGEPACS"), 104)
                                .and(HttpProbe.get("/"), 80, 8080)
                                .and(HttpProbe.get("/").tls(true).insecure(true), 443, 8443)
                                .and(Hl7Probe.defaults(), 1001)
                                .otherPorts(ConnectProbe.INSTANCE))
                        .interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1))
                .build();

        String json = codec.encode(List.of(pacs));

        assertThat(json).contains("\"type\" : \"all-of\"")
                .contains("\"otherPorts\" : {\n        \"type\" : \"connect\"");
        assertThat(codec.decode(json)).containsExactly(pacs);
    }

    @Test
    void builderMessagesComeWithThePathOfTheField() {
        assertInvalid("{\"services\": [{\"label\": \"PACS\", \"address\": \"10.0.0.1\", \"ports\": [104],"
                        + " \"forwarding\": \"direct-routing\", \"realServers\": [{\"label\": \"P\", \"address\": \"10.0.0.2\","
                        + " \"port\": 8104}]}]}",
                "/services/0/realServers/0/port",
                "realServer[P].port: 8104 (expected: 0, the client's port: direct-routing cannot remap ports)");
        assertInvalid("{\"services\": [{\"label\": \"PACS\", \"address\": \"10.0.0.1\", \"ports\": [104, 70000],"
                        + " \"realServers\": [{\"label\": \"P\", \"address\": \"10.0.0.2\"}]}]}",
                "/services/0/ports/1", "ports: 70000 (expected: 1-65535)");
        assertInvalid("{\"services\": [{\"label\": \"PACS\", \"address\": \"10.0.0.1\", \"ports\": [104],"
                        + " \"healthCheck\": {\"type\": \"connect\", \"interval\": \"1s\", \"timeout\": \"2s\"},"
                        + " \"realServers\": [{\"label\": \"P\", \"address\": \"10.0.0.2\"}]}]}",
                "/services/0/healthCheck/timeout", "healthCheck.timeout: PT2S (expected: <= interval PT1S)");
    }

    @Test
    void rulesAcrossServicesNameTheService() {
        String svc = "{\"label\": \"%s\", \"address\": \"10.0.0.1\", \"ports\": [104],"
                + " \"realServers\": [{\"label\": \"P\", \"address\": \"10.0.0.2\"}]}";
        assertInvalid("{\"services\": [" + svc.formatted("A") + ", " + svc.formatted("B") + "]}",
                "/services/1/ports/0", "services[B].ports: 104 (expected: a port not already used by service \"A\" on"
                        + " 10.0.0.1/TCP)");
    }

    @Test
    void unknownKeysWrongTypesAndBadJsonAreRejected() {
        assertInvalid("{\"services\": [{\"label\": \"PACS\", \"adress\": \"10.0.0.1\"}]}", "/services/0/adress",
                "unknown key \"adress\" in a service (expected one of: address, clientIdleTimeout, failback,"
                        + " fallback, forwarding, healthCheck, label, maxConnections, maxUdpSessions, onDown,"
                        + " persistence, persistenceNetmask, ports,"
                        + " preserveClientAddress, protocol, proxyProtocol, realServers, scheduler, serverIdleTimeout,"
                        + " slowStart, tcpKeepAlive)");
        assertInvalid("{\"services\": [{\"label\": \"PACS\", \"address\": \"10.0.0.1\", \"ports\": [104],"
                        + " \"realServers\": [{\"label\": \"P\", \"address\": \"10.0.0.2\", \"weight\": \"heavy\"}]}]}",
                "/services/0/realServers/0/weight", "realServer[P].weight: \"heavy\" (expected: an integer)");
        assertInvalid("{\"services\": []}", "/services", "services: [] (expected: at least one service)");
        assertThatThrownBy(() -> codec.decode("{\"services\": [}")).isInstanceOfSatisfying(InvalidConfigException.class,
                e -> {
                    assertThat(e.path()).isEqualTo("line 1, column 15");
                    assertThat(e.getMessage()).startsWith("not valid JSON: Unexpected close marker '}'");
                });
    }

    private void assertInvalid(String json, String path, String message) {
        assertThatThrownBy(() -> codec.decode(json)).isInstanceOfSatisfying(InvalidConfigException.class, e -> {
            assertThat(e.path()).isEqualTo(path);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }
}
