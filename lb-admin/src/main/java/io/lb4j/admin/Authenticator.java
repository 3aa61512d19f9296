package io.lb4j.admin;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Decides who may log in: the built-in one checks {@link AdminUser}s' password hashes; implement this for an
 * external directory (LDAP, RADIUS, a hospital's SSO gateway).
 *
 * <p>Contract: called once per login attempt, on a request thread, possibly concurrently; after the admin server's
 * rate limiter has allowed the attempt. Return the authenticated principal's name (shown in the audit log), or
 * empty to refuse. Must not log or keep the password; the server clears the array after the call. An exception
 * counts as a refusal and is logged without the password.
 */
@FunctionalInterface
public interface Authenticator {

    /** The principal's name when {@code password} is right for {@code username}, else empty. */
    Optional<String> authenticate(String username, char[] password);

    /**
     * Checks the users' PBKDF2 hashes. Spends the same time on an unknown user as on a wrong password, so names
     * cannot be probed by timing.
     *
     * @throws IllegalStateException when a name repeats
     */
    static Authenticator users(List<AdminUser> users) {
        Map<String, AdminUser> byName = users.stream().collect(Collectors.toMap(AdminUser::name, Function.identity(),
                (a, b) -> {
                    throw new IllegalStateException("users: \"" + a.name() + "\" is listed twice (expected: unique names)");
                }));
        return (username, password) -> {
            AdminUser u = byName.get(username);
            if (u == null) {
                PasswordHash.burn(password);
                return Optional.empty();
            }
            return PasswordHash.matches(password, u.passwordHash()) ? Optional.of(u.name()) : Optional.empty();
        };
    }
}
