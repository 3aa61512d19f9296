package io.lb4j.admin;

import io.lb4j.testkit.VirtualClock;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The audit log's two rings and the aggregation of unauthenticated failures, on virtual time. */
class AuditLogTest {

    private final VirtualClock time = new VirtualClock();
    private final AuditLog audit = new AuditLog(TestClocks.of(time), 10, Duration.ofMinutes(1));

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    @Test
    void unauthenticatedFailuresAreAggregatedPerSourceActionAndOutcomeOverAMinute() {
        for (int i = 0; i < 1000; i++) {
            audit.unauthenticated("", ip("203.0.113.5"), "halt", "PACS/PrimaryCluster", "denied: not logged in");
            time.advance(Duration.ofMillis(50)); // 1,000 in 50 s: all within the first minute
        }
        audit.unauthenticated("", ip("203.0.113.6"), "halt", "PACS/PrimaryCluster", "denied: not logged in");
        audit.unauthenticated("guest", ip("203.0.113.5"), "login", "", "denied: wrong user name or password");
        time.advance(Duration.ofSeconds(10)); // t = 60 s: the first interval is over
        audit.unauthenticated("", ip("203.0.113.5"), "halt", "PACS/PrimaryCluster", "denied: not logged in");

        assertThat(audit.entries()).extracting(AuditEntry::at, AuditEntry::remote, AuditEntry::action,
                        AuditEntry::count)
                .containsExactly(
                        tuple(Instant.EPOCH, "203.0.113.5", "halt", 1000),
                        tuple(Instant.ofEpochSecond(50), "203.0.113.6", "halt", 1),
                        tuple(Instant.ofEpochSecond(50), "203.0.113.5", "login", 1),
                        tuple(Instant.ofEpochSecond(60), "203.0.113.5", "halt", 1));
    }

    @Test
    void anIpv6SourceIsAggregatedPerSlash64AndTheNamesTriedAreListed() {
        for (String name : List.of("admin", "root", "admin", "operator", "a", "b", "c")) {
            audit.unauthenticated(name, ip("2001:db8:1:2::" + (name.length() + 1)), "login", "",
                    "denied: wrong user name or password");
        }
        assertThat(audit.entries()).singleElement().satisfies(e -> {
            assertThat(e.remote()).isEqualTo("2001:db8:1:2::/64");
            assertThat(e.user()).isEqualTo("admin, root, operator, a, b, ...");
            assertThat(e.count()).isEqualTo(7);
        });
    }

    @Test
    void operatorActionsAreNeverPushedOutByUnauthenticatedFailures() {
        audit.record("operator", "192.0.2.10", "halt", "PACS/PrimaryCluster", "ok");
        // Far more sources than either ring holds, all failing at once.
        for (int i = 0; i < 5000; i++) {
            audit.unauthenticated("", ip("10." + (i >> 16) + "." + (i >> 8 & 255) + "." + (i & 255)), "halt",
                    "PACS/PrimaryCluster", "denied: not logged in");
        }
        List<AuditEntry> entries = audit.entries();
        assertThat(entries).hasSize(11);
        assertThat(entries.getFirst()).extracting(AuditEntry::user, AuditEntry::action, AuditEntry::outcome)
                .containsExactly("operator", "halt", "ok");
        assertThat(entries.getLast().remote()).isEqualTo("10.0.19.135"); // source 4999: the newest aggregate
    }
}
