package io.lb4j.admin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PasswordHashTest {

    @Test
    void newHashesAreSaltedPbkdf2With600000IterationsOwaspsFigureForSha256AndVerify() {
        String a = PasswordHash.of("secret".toCharArray());
        String b = PasswordHash.of("secret".toCharArray());
        assertThat(a).startsWith("pbkdf2-sha256$600000$").isNotEqualTo(b);
        assertThat(PasswordHash.ITERATIONS).isEqualTo(600_000);
        assertThat(PasswordHash.matches("secret".toCharArray(), a)).isTrue();
        assertThat(PasswordHash.matches("Secret".toCharArray(), a)).isFalse();
        assertThat(PasswordHash.matches("secret".toCharArray(), "plain-text")).isFalse();
    }

    @Test
    void weakOrMalformedHashesAreRejectedWithoutEchoingThem() {
        assertThatThrownBy(() -> new AdminUser("op", "secret"))
                .hasMessage("users[op].passwordHash: not a PBKDF2 hash (expected: pbkdf2-sha256$<iterations>$<salt>"
                        + "$<hash> as made by PasswordHash.of)");
        assertThatThrownBy(() -> new AdminUser("op", "pbkdf2-sha256$1000$AAAAAAAAAAA$AAAA"))
                .hasMessage("users[op].passwordHash: 1000 iterations (expected: at least 100000)");
        assertThatThrownBy(() -> PasswordHash.of(new char[0]))
                .hasMessage("password: empty (expected: at least one character)");
        assertThat(new AdminUser("op", PasswordHash.of("x".toCharArray())).toString()).isEqualTo("AdminUser[op, operator]");
    }

    @Test
    void hashesMadeAt210000IterationsStillVerify() {
        String old = PasswordHash.of("secret".toCharArray(), 210_000);
        assertThat(old).startsWith("pbkdf2-sha256$210000$");
        assertThat(PasswordHash.matches("secret".toCharArray(), old)).isTrue();
        assertThat(PasswordHash.iterations(old)).isEqualTo(210_000);
    }

    @Test
    void rolesHaveTheAppliancesNamesAndAnUnknownOneIsRefused() {
        assertThat(AdminRole.of("operator")).isEqualTo(AdminRole.OPERATOR);
        assertThat(AdminRole.of("metrics")).isEqualTo(AdminRole.METRICS);
        assertThat(AdminRole.METRICS.configName()).isEqualTo("metrics");
        assertThatThrownBy(() -> AdminRole.of("admin")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("role: \"admin\" (expected: operator or metrics)");
        assertThat(new AdminUser("op", UserDirectory.DUMMY_HASH).role()).isEqualTo(AdminRole.OPERATOR);
    }
}
