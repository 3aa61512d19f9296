package io.lb4j.engine.proxy;

import io.lb4j.api.spi.TaskClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test per rule of {@link ProxyEngine.Builder} and of the engine's lifecycle, asserting the message. */
class ProxyEngineBuilderTest {

    @Test
    void defaultsAreDocumented() {
        assertThat(ProxyEngine.create().toString()).isEqualTo("ProxyEngine[new, ioThreads="
                + Runtime.getRuntime().availableProcessors()
                + ", connectTimeout=PT3S, maxPendingBytes=65536, udpIdleTimeout=PT1M, transport=AUTO]");
    }

    @Test
    void transportIsRequired() {
        assertThatThrownBy(() -> ProxyEngine.builder().transport(null))
                .isInstanceOf(NullPointerException.class).hasMessage("transport");
    }

    @Test
    void autoTransportIsTheFastestAvailableOne_ioUringThenEpollThenNio() {
        List<Transport> available = Transport.available();

        assertThat(List.of(Transport.IO_URING, Transport.EPOLL, Transport.NIO)).containsSubsequence(available);
        assertThat(available).endsWith(Transport.NIO);
        assertThat(Transport.AUTO.resolve()).isEqualTo(available.getFirst());
        for (Transport t : available) {
            assertThat(t.resolve()).as("%s resolves to itself", t).isEqualTo(t);
            assertThat(t.unavailabilityCause()).as("%s has no unavailability cause", t).isEmpty();
        }
    }

    @Test
    void ioThreadsMustBeBetween1And1024() {
        assertThatThrownBy(() -> ProxyEngine.builder().ioThreads(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("ioThreads: 0 (expected: 1-1024)");
    }

    @Test
    void connectTimeoutMustBeBetween1MsAnd1Hour() {
        assertThatThrownBy(() -> ProxyEngine.builder().connectTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("connectTimeout: PT0S (expected: 1 ms-1 h)");
        assertThatThrownBy(() -> ProxyEngine.builder().connectTimeout(null))
                .isInstanceOf(NullPointerException.class).hasMessage("connectTimeout");
    }

    @Test
    void maxPendingBytesMustBeAtLeast1KiB() {
        assertThatThrownBy(() -> ProxyEngine.builder().maxPendingBytes(100).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxPendingBytes: 100 (expected: 1024-1073741824)");
    }

    @Test
    void udpIdleTimeoutMustBeBetween1MsAnd1Day() {
        assertThatThrownBy(() -> ProxyEngine.builder().udpIdleTimeout(Duration.ofDays(2)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("udpIdleTimeout: PT48H (expected: 1 ms-1 day)");
    }

    @Test
    void socketReceiveBufferIsZeroOrBetween4KiBAnd64MiB() {
        assertThatThrownBy(() -> ProxyEngine.builder().socketReceiveBuffer(1000).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("socketReceiveBuffer: 1000 (expected: 0 for the kernel's default, or 4096-67108864)");
    }

    @Test
    void startTwiceIsRefused() {
        ProxyEngine e = ProxyEngine.builder().ioThreads(1).build();
        e.start(TaskClock::system);
        try {
            assertThatThrownBy(() -> e.start(TaskClock::system))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("proxy engine: start() called when running (expected: once, on a new engine)");
        } finally {
            e.stop(Duration.ZERO);
        }
        e.stop(Duration.ZERO); // idempotent
    }
}
