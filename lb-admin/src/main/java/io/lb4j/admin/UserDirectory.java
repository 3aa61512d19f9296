package io.lb4j.admin;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/**
 * The built-in {@link Authenticator}: the configured {@link AdminUser}s, checked against their PBKDF2 hashes.
 *
 * <p>No timing oracle: an unknown name is checked against {@link #DUMMY_HASH}, a hash of the same cost as a new
 * user's, through the same code, so an unknown user takes as long as a wrong password. A hash of fewer than
 * {@link PasswordHash#ITERATIONS} iterations (made before the figure was raised) still verifies; at that user's next
 * successful login the password, which is at hand only then, is hashed again at today's cost, the new hash replaces
 * the old one in memory, and {@code upgraded} hears of it so the embedder can persist it. Thread-safe.
 */
final class UserDirectory implements Authenticator {

    private static final Logger LOG = LoggerFactory.getLogger(UserDirectory.class);

    /** The hash of a random password nobody knows, at {@link PasswordHash#ITERATIONS}: what unknown users cost. */
    static final String DUMMY_HASH = "pbkdf2-sha256$" + PasswordHash.ITERATIONS
            + "$ZrOw4hJPc6Z+3oiDPKS90w$1dX5g3ScrXbTkZYe66I+vGww3l7U05hJmQHE/1oNmvI";

    private final Map<String, AdminUser> byName = new ConcurrentHashMap<>();
    private final Consumer<AdminUser> upgraded;
    private final BiPredicate<char[], String> verifier;

    UserDirectory(List<AdminUser> users, Consumer<AdminUser> upgraded) {
        this(users, upgraded, PasswordHash::matches);
    }

    /** With another verifier: tests record which hashes a login was checked against. */
    UserDirectory(List<AdminUser> users, Consumer<AdminUser> upgraded, BiPredicate<char[], String> verifier) {
        for (AdminUser u : users) {
            if (byName.putIfAbsent(u.name(), u) != null) {
                throw new IllegalStateException("users: \"" + u.name() + "\" is listed twice (expected: unique names)");
            }
        }
        this.upgraded = upgraded;
        this.verifier = verifier;
    }

    @Override
    public Optional<AdminPrincipal> authenticate(String username, char[] password) {
        AdminUser user = byName.get(username);
        // The same work whether or not the user exists: one verification at (at least) today's cost.
        boolean matches = verifier.test(password, user == null ? DUMMY_HASH : user.passwordHash());
        if (user == null || !matches) {
            return Optional.empty();
        }
        if (PasswordHash.iterations(user.passwordHash()) < PasswordHash.ITERATIONS && password.length > 0) {
            upgrade(user, password);
        }
        return Optional.of(new AdminPrincipal(user.name(), user.role()));
    }

    private void upgrade(AdminUser user, char[] password) {
        AdminUser better = user.withPasswordHash(PasswordHash.of(password));
        // Two logins of the same user at once: only the one that replaces the old hash reports it.
        if (!byName.replace(user.name(), user, better)) {
            return;
        }
        LOG.info("admin user \"{}\": password hash upgraded from {} to {} PBKDF2 iterations (in memory; persist it"
                + " through AdminServer.Builder.onPasswordHashUpgrade)", user.name(),
                PasswordHash.iterations(user.passwordHash()), PasswordHash.ITERATIONS);
        try {
            upgraded.accept(better);
        } catch (RuntimeException e) {
            LOG.warn("admin user \"{}\": the password-hash upgrade listener failed; the upgraded hash is used until"
                    + " the next restart only", user.name(), e);
        }
    }
}
