package io.lb4j.admin;

import java.util.List;
import java.util.Optional;

/**
 * Decides who may log in: the built-in one checks {@link AdminUser}s' password hashes; implement this for an
 * external directory (LDAP, RADIUS, a hospital's SSO gateway), mapping its groups to an {@link AdminRole}.
 *
 * <p>Contract: called once per login attempt, on a request thread, possibly concurrently; after the admin server's
 * rate limiter has allowed the attempt. Return the authenticated principal (its name is shown in the audit log, its
 * role decides what it may do), or empty to refuse. Spend the same time on an unknown user as on a wrong password,
 * or a caller can tell which names exist by timing. Must not log or keep the password; the server clears the array
 * after the call. An exception counts as a refusal and is logged without the password.
 */
@FunctionalInterface
public interface Authenticator {

    /** The principal when {@code password} is right for {@code username}, else empty. */
    Optional<AdminPrincipal> authenticate(String username, char[] password);

    /**
     * Checks the users' PBKDF2 hashes. An unknown user's password is checked against a dummy hash of today's cost
     * ({@link PasswordHash#ITERATIONS}), so names cannot be probed by timing. A hash of fewer iterations is
     * upgraded in memory at the user's next login (see {@link AdminServer.Builder#onPasswordHashUpgrade} to keep it).
     *
     * @throws IllegalStateException when a name repeats
     */
    static Authenticator users(List<AdminUser> users) {
        return new UserDirectory(users, upgraded -> {
        });
    }
}
