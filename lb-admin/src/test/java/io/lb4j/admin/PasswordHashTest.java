package io.lb4j.admin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PasswordHashTest {

    @Test
    void hashesAreSaltedPbkdf2WithAtLeast210000IterationsAndVerify() {
        String a = PasswordHash.of("secret".toCharArray());
        String b = PasswordHash.of("secret".toCharArray());
        assertThat(a).startsWith("pbkdf2-sha256$210000$").isNotEqualTo(b);
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
        assertThat(new AdminUser("op", PasswordHash.of("x".toCharArray())).toString()).isEqualTo("AdminUser[op]");
    }
}
