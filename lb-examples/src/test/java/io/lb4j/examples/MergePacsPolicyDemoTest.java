package io.lb4j.examples;

import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.RealServerDown;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MergePacsPolicyDemoTest {

    @Test
    void policyDemoFailsOverAfterTheSeedsTenChecksOf30SecondsAndFailsBack() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        List<LbEvent> events = MergePacsPolicyDemo.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));

        // Checks at t = 30, 60, ..., 300 s each time out after 5 s: the tenth failure is at 305 s.
        assertThat(events).filteredOn(RealServerDown.class::isInstance).first()
                .extracting(LbEvent::at).isEqualTo(Instant.EPOCH.plusSeconds(305));
        assertThat(events).filteredOn(FailedOver.class::isInstance).first()
                .extracting(LbEvent::at).isEqualTo(Instant.EPOCH.plusSeconds(305));
        assertThat(events).filteredOn(FailedBack.class::isInstance).isNotEmpty();
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .contains("    305s  EVENT PACS: FAILED OVER to fallback 192.168.100.120")
                .contains("Automatic failover took 305 s of balancer time");
    }
}
