package io.lb4j.healthcheck.external;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which scripts a balancer may run, as keepalived's {@code enable_script_security}: whoever can change the
 * configuration (the admin API, an HA peer, the file) can name a script, but only one that the host's
 * administrator put in a script directory. A script is refused unless
 * <ul>
 *   <li>it is named without {@code ..}, and is inside a script directory once every symbolic link is resolved (a
 *       relative name is looked up in each directory in turn);</li>
 *   <li>it is an executable regular file;</li>
 *   <li>it and every directory from the script directory down to it are owned by root or the balancer's user, and
 *       none is writable by its group or others (anyone who could write one could replace the script).</li>
 * </ul>
 * The directories above a script directory are the host's business and are not looked at (a test's script
 * directory may well be under {@code /tmp}). ACLs are not looked at either. Immutable; thread-safe.
 */
final class ScriptSecurity {

    private static final Set<PosixFilePermission> FOREIGN_WRITE =
            Set.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);

    private static final ScriptSecurity SYSTEM = new ScriptSecurity(allowedOwners());

    private final List<UserPrincipal> owners;

    private ScriptSecurity(List<UserPrincipal> owners) {
        this.owners = owners;
    }

    /** The policy for this process: scripts owned by root or by the user the balancer runs as. */
    static ScriptSecurity system() {
        return SYSTEM;
    }

    /**
     * The real path of the script {@code script} names, once it passes every rule.
     *
     * @param directories the script directories: absolute, normalized
     * @throws IllegalArgumentException {@code "healthCheck.script: <script> (expected: ...; <what is wrong>)"}
     */
    Path resolve(Path script, List<Path> directories) {
        return resolve("healthCheck.script", script, directories);
    }

    /**
     * As {@link #resolve(Path, List)}, for a script named by another setting (an alert's notify script).
     *
     * @param setting the setting that names the script, for messages, e.g. {@code alerts.notifyScript}
     * @throws IllegalArgumentException {@code "<setting>: <script> (expected: ...; <what is wrong>)"}
     */
    Path resolve(String setting, Path script, List<Path> directories) {
        if (directories.isEmpty()) {
            throw refused(setting, script, "a script inside the script directories; none are configured");
        }
        String inside = "a script inside " + directories.stream().map(Path::toString).collect(Collectors.joining(" or "));
        for (Path name : script) {
            if (name.toString().equals("..")) {
                throw refused(setting, script, inside + ", named without \"..\"");
            }
        }
        Path directory = null;
        Path candidate = null;
        if (script.isAbsolute()) {
            Path normal = script.normalize();
            for (Path d : directories) {
                if (normal.startsWith(d) && !normal.equals(d)) {
                    directory = d;
                    candidate = normal;
                    break;
                }
            }
            if (directory == null) {
                throw refused(setting, script, inside);
            }
        } else {
            directory = directories.getFirst(); // named in the reason when no directory has it
            candidate = directory.resolve(script).normalize();
            for (Path d : directories) {
                if (Files.exists(d.resolve(script))) {
                    directory = d;
                    candidate = d.resolve(script).normalize();
                    break;
                }
            }
        }
        if (!Files.exists(candidate)) {
            throw refused(setting, script, inside + "; there is no such file");
        }
        Path realDirectory;
        Path real;
        try {
            realDirectory = directory.toRealPath();
            real = candidate.toRealPath();
        } catch (IOException e) {
            throw refused(setting, script, inside + "; cannot resolve it: " + e);
        }
        if (!real.startsWith(realDirectory)) {
            throw refused(setting, script, inside + "; it resolves to " + real);
        }
        if (!Files.isRegularFile(real) || !Files.isExecutable(real)) {
            throw refused(setting, script, "an executable regular file; " + real + " is not");
        }
        checkOwnerAndMode(setting, script, realDirectory, real);
        return real;
    }

    /** The script and each directory from {@code directory} down to it: a trusted owner, and no one else may write. */
    private void checkOwnerAndMode(String setting, Path script, Path directory, Path real) {
        List<Path> chain = new ArrayList<>();
        Path p = directory;
        chain.add(p);
        for (Path name : directory.relativize(real)) {
            p = p.resolve(name);
            chain.add(p);
        }
        String down = "the script and the directories from " + directory + " down to it";
        for (Path step : chain) {
            PosixFileAttributes attributes;
            try {
                attributes = Files.readAttributes(step, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | UnsupportedOperationException e) {
                throw refused(setting, script, down + " on a file system with owners and POSIX permissions; " + step + ": " + e);
            }
            if (!owners.contains(attributes.owner())) {
                throw refused(setting, script, down + " owned by " + ownerNames() + "; " + step + " is owned by "
                        + attributes.owner().getName());
            }
            if (attributes.permissions().stream().anyMatch(FOREIGN_WRITE::contains)) {
                throw refused(setting, script, down + " writable by their owner only; " + step + " is "
                        + PosixFilePermissions.toString(attributes.permissions()));
            }
        }
    }

    private String ownerNames() {
        return owners.stream().map(UserPrincipal::getName).collect(Collectors.joining(" or "));
    }

    private static IllegalArgumentException refused(String setting, Path script, String expected) {
        return new IllegalArgumentException(setting + ": " + script + " (expected: " + expected + ")");
    }

    /** Root, and the user this JVM runs as when that is someone else and has a name the system knows. */
    private static List<UserPrincipal> allowedOwners() {
        Set<UserPrincipal> owners = new LinkedHashSet<>();
        UserPrincipalLookupService lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        for (String name : List.of("root", System.getProperty("user.name", "root"))) {
            try {
                owners.add(lookup.lookupPrincipalByName(name));
            } catch (IOException | UnsupportedOperationException e) {
                // No such user here (or no users at all): it owns nothing, so it allows nothing.
            }
        }
        return List.copyOf(owners);
    }
}
