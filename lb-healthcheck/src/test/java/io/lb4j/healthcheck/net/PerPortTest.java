package io.lb4j.healthcheck.net;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.PortCheck;
import io.lb4j.api.spi.TaskClock;
import io.lb4j.healthcheck.support.Loopback;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-port outcomes every probe run through {@link PerPort} reports (HTTP, DICOM, HL7, negotiate). */
class PerPortTest {

    private final TaskClock clock = Loopback.context().clock();

    @Test
    void severalPortsEachWithItsOutcomeReasonAndLatencyInOrder() throws Exception {
        // Port 443 answers 20 ms later than 80, so its latency is the larger; 8080 fails with a reason.
        CompletableFuture<CheckResult> late = new CompletableFuture<>();
        CompletableFuture<CheckResult> r = PerPort.all(List.of(80, 443, 8080), clock, port -> switch (port) {
            case 80 -> CompletableFuture.completedFuture(CheckResult.ok());
            case 443 -> late;
            default -> CompletableFuture.completedFuture(CheckResult.failed("status 503 (expected: [200])"));
        });
        clock.schedule(Duration.ofMillis(20), () -> late.complete(CheckResult.ok()));
        CheckResult result = r.get(5, TimeUnit.SECONDS);

        assertThat(result.reason()).isEqualTo("port 8080: status 503 (expected: [200])");
        assertThat(result.ports()).extracting(PortCheck::port).containsExactly(80, 443, 8080);
        assertThat(result.ports()).extracting(PortCheck::ok).containsExactly(true, true, false);
        assertThat(result.ports()).extracting(PortCheck::reason)
                .containsExactly("ok", "ok", "status 503 (expected: [200])");
        assertThat(result.ports().get(1).latency()).isGreaterThanOrEqualTo(Duration.ofMillis(20))
                .isGreaterThan(result.ports().get(0).latency());
    }

    @Test
    void onePortHasNoListTheVerdictIsThePorts() throws Exception {
        CheckResult result = PerPort.all(List.of(80), clock,
                port -> CompletableFuture.completedFuture(CheckResult.failed("refused"))).get(5, TimeUnit.SECONDS);
        assertThat(result).isEqualTo(CheckResult.failed("port 80: refused"));
        assertThat(result.ports()).isEmpty();
    }
}
