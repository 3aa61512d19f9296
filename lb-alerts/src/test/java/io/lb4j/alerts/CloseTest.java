package io.lb4j.alerts;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Closing a dispatcher leaves nothing behind: its timer thread ends, its connections close, it sends no more. */
class CloseTest {

    @Test
    void closeEndsTheTimerThreadClosesTheConnectionAndSendsNothingMore() throws IOException {
        try (ServerSocket collector = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            collector.setSoTimeout(10_000);
            Set<Thread> before = timers();
            AlertDispatcher alerts = Alerts.builder().syslog(Syslog.tcp("127.0.0.1", collector.getLocalPort()))
                    .rateLimit(Duration.ofMinutes(1)).build().start(); // the system clock: a timer thread of its own
            alerts.publish(new Alert(Instant.now(), Alert.Kind.SERVICE, "PACS", "FAILED_OVER",
                    Alert.Severity.CRITICAL, "no real server"));
            try (Socket connection = collector.accept()) {
                connection.setSoTimeout(10_000);
                InputStream in = connection.getInputStream();
                byte[] first = new byte[64];
                int n = in.read(first);
                // Octet counting; PRI daemon (3) * 8 + critical (2).
                assertThat(new String(first, 0, n, StandardCharsets.UTF_8)).matches("\\d+ <26>1 .*");
                Set<Thread> mine = timers();
                mine.removeAll(before);
                assertThat(mine).as("the rate limit's window runs on the dispatcher's own timer").hasSize(1);

                alerts.close();

                in.skip(Long.MAX_VALUE); // the rest of the first message
                assertThat(in.read()).as("the connection is closed").isEqualTo(-1);
                assertThat(Peers.await(() -> mine.stream().noneMatch(Thread::isAlive), Duration.ofSeconds(10)))
                        .as("the timer thread ended").isTrue();
            }
            alerts.publish(new Alert(Instant.now(), Alert.Kind.SERVICE, "OTHER", "FAILED_OVER",
                    Alert.Severity.CRITICAL, "after close"));
            collector.setSoTimeout(500);
            assertThatThrownBy(collector::accept).as("nothing sent after close")
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(alerts.status().getFirst().sent()).isEqualTo(1);
        }
    }

    private static Set<Thread> timers() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("lb4j-timer-"))
                .collect(Collectors.toSet());
    }
}
