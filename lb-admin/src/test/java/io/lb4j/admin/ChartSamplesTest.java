package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.Protocol;
import io.lb4j.api.RealServerState;
import io.lb4j.api.status.BalancerStatus;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.api.status.ServiceStatus;
import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The charts' ring of samples on a virtual clock: bounded, columns aligned, gaps and counter resets as nulls. */
class ChartSamplesTest {

    private final VirtualClock time = new VirtualClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final AtomicReference<BalancerStatus> status = new AtomicReference<>();

    /** A service whose first server counts {@code total} connections, 1,000 bytes and 2 checks of 3 ms each. */
    private static ServiceStatus service(String label, int open, long total, RealServerState state) {
        InetAddress a = InetAddress.ofLiteral("192.0.2.1");
        return new ServiceStatus(label, a, List.of(104), Protocol.TCP, ForwardingMethod.PROXY, false,
                List.of(new RealServerStatus("r1", a, 0, 1, state, open, total, "ok", 1, total * 600, total * 400,
                                total * 2, Duration.ofMillis(total * 6)),
                        new RealServerStatus("r2", a, 0, 1, RealServerState.UP, 0, 0, "ok")), null, 1);
    }

    private void status(ServiceStatus... services) {
        status.set(new BalancerStatus(time.now(), true, List.of(services)));
    }

    @Test
    void keepsTheLastSamplesAsAlignedColumnsWithNullsWhereAServiceWasMissingOrItsCounterWentBack() {
        ChartSamples charts = new ChartSamples(status::get, TestClocks.of(time), Duration.ofSeconds(5), 4);
        List<ServiceStatus[]> steps = new ArrayList<>();
        steps.add(new ServiceStatus[] {service("PACS", 1, 100, RealServerState.UP)});
        steps.add(new ServiceStatus[] {service("PACS", 3, 150, RealServerState.UP),
                service("RIS", 0, 0, RealServerState.UP)});
        steps.add(new ServiceStatus[] {service("PACS", 2, 10, RealServerState.DOWN)}); // replaced: counter went back
        steps.add(new ServiceStatus[] {service("PACS", 2, 60, RealServerState.DOWN),
                service("RIS", 4, 20, RealServerState.UP)});
        steps.add(new ServiceStatus[] {service("PACS", 0, 70, RealServerState.UP)});
        for (ServiceStatus[] step : steps) {
            status(step);
            charts.sample();
            time.advance(Duration.ofSeconds(5));
        }

        JsonNode n = charts.json();
        assertThat(n.get("intervalSeconds").asDouble()).isEqualTo(5.0);
        assertThat(n.get("throughput").asText()).isEqualTo("bytes/s");
        // Capacity 4: the first sample is gone.
        assertThat(n.get("at")).extracting(JsonNode::asLong).containsExactly(1796551205L, 1796551210L,
                1796551215L, 1796551220L);
        JsonNode pacs = n.get("services").get(0);
        assertThat(pacs.get("label").asText()).isEqualTo("PACS");
        // The fallback's one connection counts as open.
        assertThat(pacs.get("connections")).extracting(JsonNode::asInt).containsExactly(4, 3, 3, 1);
        assertThat(pacs.get("connectionsPerSecond").toString()).isEqualTo("[null,null,10.0,2.0]");
        assertThat(pacs.get("bytesPerSecond").toString()).isEqualTo("[null,null,10000,2000]");
        assertThat(pacs.get("checkMillis").toString()).isEqualTo("[null,null,3.0,3.0]");
        assertThat(pacs.get("serversUp")).extracting(JsonNode::asInt).containsExactly(2, 1, 1, 2);
        assertThat(pacs.get("servers").asInt()).isEqualTo(2);
        JsonNode ris = n.get("services").get(1);
        assertThat(ris.get("label").asText()).isEqualTo("RIS");
        assertThat(ris.get("connections").toString()).isEqualTo("[1,null,5,null]");
        assertThat(ris.get("connectionsPerSecond").toString()).isEqualTo("[null,null,null,null]");
        assertThat(ris.get("checkMillis").toString()).isEqualTo("[null,null,null,null]");
    }

    @Test
    void aStatusThatFailsLeavesAGapInsteadOfStoppingTheSampling() {
        ChartSamples charts = new ChartSamples(() -> {
            throw new IllegalStateException("stopping");
        }, TestClocks.of(time), Duration.ofSeconds(5), 10);
        charts.sample();
        assertThat(charts.json().get("at")).isEmpty();
    }
}
