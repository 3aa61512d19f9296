package io.lb4j.admin;

import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Login limiting per source (IPv6: per /64), per user and in total, on virtual time. */
class LoginLimiterTest {

    private final VirtualClock time = new VirtualClock();
    // 2 per minute per source, 3 per minute per user, 5 per minute in total.
    private final LoginLimiter limiter = new LoginLimiter(TestClocks.of(time),
            new LoginLimiter.Budget(2, Duration.ofMinutes(1)), new LoginLimiter.Budget(3, Duration.ofMinutes(1)),
            new LoginLimiter.Budget(5, Duration.ofMinutes(1)));

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    @Test
    void loginsAreLimitedPerAddress() {
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), "a")).isNull();
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), "b")).isNull();
        // A third name from the same address: refused by the address's budget, which refills one per 30 s.
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), "c"))
                .isEqualTo(new LoginLimiter.Refusal("from 192.0.2.1", Duration.ofSeconds(30)));
        time.advance(Duration.ofSeconds(10));
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), "c").retryAfter()).isEqualTo(Duration.ofSeconds(20));
        time.advance(Duration.ofSeconds(20));
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), "c")).isNull();
    }

    @Test
    void loginsAreLimitedPerUserWhateverTheAddress() {
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), "operator")).isNull();
        assertThat(limiter.tryAcquire(ip("192.0.2.2"), "operator")).isNull();
        assertThat(limiter.tryAcquire(ip("192.0.2.3"), "operator")).isNull();
        // A fourth address guessing the same user: the user's budget (one per 20 s) refuses it.
        assertThat(limiter.tryAcquire(ip("192.0.2.4"), "operator"))
                .isEqualTo(new LoginLimiter.Refusal("for user \"operator\"", Duration.ofSeconds(20)));
        // The refused attempt cost 192.0.2.4 nothing: it still has both of its tokens.
        assertThat(limiter.tryAcquire(ip("192.0.2.4"), "x")).isNull();
        assertThat(limiter.tryAcquire(ip("192.0.2.4"), "y")).isNull();
    }

    @Test
    void loginsAreLimitedInTotal() {
        for (int i = 1; i <= 5; i++) {
            assertThat(limiter.tryAcquire(ip("192.0.2." + i), "user" + i)).as("attempt %d", i).isNull();
        }
        // Fresh address, fresh name: only the global budget (one per 12 s) is empty.
        assertThat(limiter.tryAcquire(ip("198.51.100.9"), "user6"))
                .isEqualTo(new LoginLimiter.Refusal("in total", Duration.ofSeconds(12)));
        time.advance(Duration.ofSeconds(12));
        assertThat(limiter.tryAcquire(ip("198.51.100.9"), "user6")).isNull();
    }

    @Test
    void anIpv6SourceIsItsSlash64() {
        assertThat(limiter.tryAcquire(ip("2001:db8:1:2::1"), "a")).isNull();
        assertThat(limiter.tryAcquire(ip("2001:db8:1:2:ffff:ffff:ffff:fffe"), "b")).isNull();
        // Another address of the same /64: the same budget, now empty.
        assertThat(limiter.tryAcquire(ip("2001:db8:1:2:1234::9"), "c"))
                .isEqualTo(new LoginLimiter.Refusal("from 2001:db8:1:2::/64", Duration.ofSeconds(30)));
        // The next /64 has a budget of its own.
        assertThat(limiter.tryAcquire(ip("2001:db8:1:3::1"), "c")).isNull();
    }

    @Test
    void theLongestWaitIsReportedWhenSeveralBudgetsAreEmpty() {
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), "operator")).isNull();
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), "operator")).isNull();
        assertThat(limiter.tryAcquire(ip("192.0.2.2"), "operator")).isNull();
        time.advance(Duration.ofSeconds(5));
        // Address: 25 s to its next token; user: 15 s. The attempt passes after the longer.
        assertThat(limiter.tryAcquire(ip("192.0.2.1"), "operator"))
                .isEqualTo(new LoginLimiter.Refusal("from 192.0.2.1", Duration.ofSeconds(25)));
    }
}
