package io.lb4j.admin;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The built-in authenticator: roles, the dummy hash for unknown users, and hash upgrades at login. */
class UserDirectoryTest {

    private static final char[] PASSWORD = "correct horse".toCharArray();

    @Test
    void unknownUsersAreCheckedAgainstADummyHashOfTheSameCostAsAKnownUsers() {
        AdminUser operator = AdminUser.withPassword("operator", PASSWORD);
        List<String> checkedAgainst = new ArrayList<>();
        UserDirectory users = new UserDirectory(List.of(operator), u -> {
        }, (password, hash) -> {
            checkedAgainst.add(hash);
            return PasswordHash.matches(password, hash);
        });

        assertThat(users.authenticate("mallory", PASSWORD)).isEmpty();
        assertThat(users.authenticate("operator", "wrong".toCharArray())).isEmpty();

        // One verification each, and the unknown user's is a real PBKDF2 check at today's cost.
        assertThat(checkedAgainst).containsExactly(UserDirectory.DUMMY_HASH, operator.passwordHash());
        assertThat(PasswordHash.iterations(UserDirectory.DUMMY_HASH)).isEqualTo(PasswordHash.ITERATIONS)
                .isEqualTo(PasswordHash.iterations(operator.passwordHash()));
        PasswordHash.validate(UserDirectory.DUMMY_HASH);
    }

    @Test
    void anOldHashStillVerifiesAndIsUpgradedAtTheNextLogin() {
        AdminUser old = new AdminUser("operator", PasswordHash.of(PASSWORD, 210_000));
        List<AdminUser> upgrades = new ArrayList<>();
        List<String> checkedAgainst = new ArrayList<>();
        UserDirectory users = new UserDirectory(List.of(old), upgrades::add, (password, hash) -> {
            checkedAgainst.add(hash);
            return PasswordHash.matches(password, hash);
        });

        // A wrong password upgrades nothing: the password is at hand only when it is right.
        assertThat(users.authenticate("operator", "wrong".toCharArray())).isEmpty();
        assertThat(upgrades).isEmpty();

        assertThat(users.authenticate("operator", PASSWORD)).contains(AdminPrincipal.operator("operator"));
        assertThat(upgrades).hasSize(1);
        AdminUser upgraded = upgrades.getFirst();
        assertThat(upgraded.name()).isEqualTo("operator");
        assertThat(upgraded.role()).isEqualTo(AdminRole.OPERATOR);
        assertThat(upgraded.passwordHash()).startsWith("pbkdf2-sha256$600000$");
        assertThat(PasswordHash.matches(PASSWORD, upgraded.passwordHash())).isTrue();

        // The next login checks the new hash, and upgrades nothing more.
        assertThat(users.authenticate("operator", PASSWORD)).isPresent();
        assertThat(checkedAgainst).containsExactly(old.passwordHash(), old.passwordHash(), upgraded.passwordHash());
        assertThat(upgrades).hasSize(1);
    }

    @Test
    void aFailingUpgradeListenerDoesNotFailTheLogin() {
        UserDirectory users = new UserDirectory(List.of(new AdminUser("operator", PasswordHash.of(PASSWORD, 210_000))),
                u -> {
                    throw new IllegalStateException("disk full");
                });
        assertThat(users.authenticate("operator", PASSWORD)).contains(AdminPrincipal.operator("operator"));
    }

    @Test
    void theUsersRoleComesWithThePrincipal() {
        UserDirectory users = new UserDirectory(List.of(new AdminUser("prometheus", PasswordHash.of(PASSWORD),
                AdminRole.METRICS)), u -> {
        });
        assertThat(users.authenticate("prometheus", PASSWORD))
                .isEqualTo(Optional.of(new AdminPrincipal("prometheus", AdminRole.METRICS)));
    }

    @Test
    void aRepeatedNameIsRefused() {
        AdminUser a = AdminUser.withPassword("op", PASSWORD);
        assertThatThrownBy(() -> Authenticator.users(List.of(a, a))).isInstanceOf(IllegalStateException.class)
                .hasMessage("users: \"op\" is listed twice (expected: unique names)");
    }
}
