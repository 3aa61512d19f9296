package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.spi.Backend;
import io.lb4j.api.spi.EngineContext;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.api.spi.RoutingTable;
import io.lb4j.api.status.ServiceCounters;
import io.lb4j.testkit.VirtualClock;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A proxy service's timeout and cap counters, from the engine through {@code status()} to the metrics and the status
 * JSON: each counter under its name and tags, only the ones that apply to the service's protocol.
 */
class AdminMetricsProxyCountersTest {

    /** An engine that forwards nothing and reports fixed counters per service. */
    private static final class CountingEngine implements ForwardingEngine {
        private final Map<String, ServiceCounters> counters;

        CountingEngine(Map<String, ServiceCounters> counters) {
            this.counters = counters;
        }

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public Set<ForwardingMethod> methods() {
            return Set.of(ForwardingMethod.PROXY);
        }

        @Override
        public void start(EngineContext context) {
        }

        @Override
        public void install(RoutingTable table) {
        }

        @Override
        public void uninstall(String service) {
        }

        @Override
        public void expire(String service, Backend backend) {
        }

        @Override
        public void stop(Duration grace) {
        }

        @Override
        public ServiceCounters counters(String service) {
            return counters.getOrDefault(service, ServiceCounters.NONE);
        }
    }

    private LoadBalancer lb;
    private AdminMetrics metrics;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void stop() {
        metrics.close();
        lb.stop(Duration.ZERO);
    }

    private void start() {
        VirtualService pacs = VirtualService.proxy().label("PACS").address("192.0.2.100").ports(104)
                .real("R", "192.0.2.110").healthCheck(HealthCheck.none()).build();
        VirtualService syslog = VirtualService.proxy().label("SYSLOG").address("192.0.2.100").ports(514)
                .protocol(Protocol.UDP).real("R", "192.0.2.110").healthCheck(HealthCheck.none()).build();
        lb = LoadBalancer.builder().clock(new VirtualClock()).engine(new CountingEngine(Map.of(
                "PACS", new ServiceCounters(3, 5, 7, 11, 0),
                "SYSLOG", new ServiceCounters(0, 0, 13, 0, 17)))).services(List.of(pacs, syslog)).build();
        lb.start();
        metrics = new AdminMetrics(lb, registry);
    }

    private double count(String name, String... tags) {
        FunctionCounter c = registry.find(name).tags(tags).functionCounter();
        assertThat(c).as(name + " " + String.join(",", tags)).isNotNull();
        return c.count();
    }

    @Test
    void eachCounterIsAMeterWithItsServiceAndSideOrReason() {
        start();

        assertThat(lb.status().service("PACS").counters()).isEqualTo(new ServiceCounters(3, 5, 7, 11, 0));
        assertThat(count("lb4j.proxy.idle.expired", "service", "PACS", "side", "client")).isEqualTo(3);
        assertThat(count("lb4j.proxy.idle.expired", "service", "PACS", "side", "server")).isEqualTo(5);
        assertThat(count("lb4j.proxy.refused", "service", "PACS", "reason", "noBackend")).isEqualTo(7);
        assertThat(count("lb4j.proxy.refused", "service", "PACS", "reason", "maxConnections")).isEqualTo(11);
        assertThat(count("lb4j.proxy.refused", "service", "SYSLOG", "reason", "noBackend")).isEqualTo(13);
        assertThat(count("lb4j.proxy.udp.sessions.evicted", "service", "SYSLOG")).isEqualTo(17);
    }

    @Test
    void aServiceGetsOnlyTheCountersOfItsProtocol() {
        start();

        assertThat(registry.find("lb4j.proxy.udp.sessions.evicted").tags("service", "PACS").meters()).isEmpty();
        assertThat(registry.find("lb4j.proxy.idle.expired").tags("service", "SYSLOG").meters()).isEmpty();
        assertThat(registry.find("lb4j.proxy.refused").tags("service", "SYSLOG", "reason", "maxConnections")
                .meters()).isEmpty();
    }

    @Test
    void theStatusJsonCarriesTheCounters() {
        start();

        JsonNode c = Json.status(lb.status()).get("services").get(0).get("counters");

        assertThat(c.get("clientIdleExpired").asLong()).isEqualTo(3);
        assertThat(c.get("serverIdleExpired").asLong()).isEqualTo(5);
        assertThat(c.get("refusedNoBackend").asLong()).isEqualTo(7);
        assertThat(c.get("refusedAtCap").asLong()).isEqualTo(11);
        assertThat(c.get("udpSessionsEvicted").asLong()).isZero();
    }
}
