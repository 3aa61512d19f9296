package io.lb4j.healthcheck.external;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * A cgroup v2 group: the one container for a script's processes that none of them can leave. A process that forks
 * twice and calls {@code setsid} leaves its parent's process tree, process group and session, but not its cgroup;
 * writing {@code 1} to {@code cgroup.kill} (Linux 5.14) SIGKILLs every process in the group, including ones forked
 * while the kill runs.
 *
 * <p>{@link #own()} is the cgroup this JVM runs in, when child groups can be made and killed there: cgroup v2
 * mounted (alone or in the hybrid layout's {@code unified} mount), the JVM's cgroup writable (root, or a delegated
 * cgroup such as a systemd unit with {@code Delegate=yes}) and {@code cgroup.kill} present. It is probed once per JVM,
 * at the first script run; when it is unavailable the cause is logged once and scripts are contained by their session
 * and process tree only.
 */
final class Cgroup {

    private static final Logger LOG = LoggerFactory.getLogger(Cgroup.class);

    private static final Optional<Cgroup> OWN = probe();

    private final Path dir;

    private Cgroup(Path dir) {
        this.dir = dir;
    }

    /** The JVM's own cgroup, if groups for scripts can be made in it. */
    static Optional<Cgroup> own() {
        return OWN;
    }

    /** The group's directory, e.g. {@code /sys/fs/cgroup/system.slice/lb4j.service/lb4j-check-812-3}. */
    Path dir() {
        return dir;
    }

    /** A new, empty child group. */
    Cgroup newChild(String name) throws IOException {
        return new Cgroup(Files.createDirectory(dir.resolve(name)));
    }

    /** Moves process {@code pid} (and so, from now on, every process it forks) into this group. */
    void adopt(long pid) throws IOException {
        write("cgroup.procs", Long.toString(pid));
    }

    /** SIGKILLs every process in the group; how many there were. */
    int kill() throws IOException {
        int count = (int) Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).count();
        write("cgroup.kill", "1");
        return count;
    }

    /** Whether any process is still in the group (an exited process leaves it at once, before it is reaped). */
    boolean populated() throws IOException {
        return Files.readAllLines(dir.resolve("cgroup.events")).contains("populated 1");
    }

    /** Removes the group, which must be empty. */
    void remove() throws IOException {
        Files.delete(dir);
    }

    private void write(String file, String value) throws IOException {
        // No CREATE or TRUNCATE: these are kernel interface files, written in one write(2).
        Files.write(dir.resolve(file), value.getBytes(StandardCharsets.US_ASCII), StandardOpenOption.WRITE);
    }

    @Override
    public String toString() {
        return dir.toString();
    }

    private static Optional<Cgroup> probe() {
        String cause;
        try {
            Cgroup own = new Cgroup(locate());
            Cgroup probe = own.newChild("lb4j-probe-" + ProcessHandle.current().pid());
            boolean killable;
            try {
                killable = Files.exists(probe.dir.resolve("cgroup.kill"));
            } finally {
                probe.remove();
            }
            if (killable) {
                LOG.debug("external checks: each script runs in a cgroup of its own under {}", own);
                return Optional.of(own);
            }
            cause = "no cgroup.kill (Linux 5.14 or later)";
        } catch (IOException | RuntimeException e) {
            cause = e.toString();
        }
        LOG.info("external checks: cgroup v2 not usable ({}); a script's processes are killed through its session and"
                + " process tree, which misses a process that left both", cause);
        return Optional.empty();
    }

    /** The JVM's cgroup v2 directory, from {@code /proc/self/cgroup} and the cgroup2 mount in {@code mountinfo}. */
    private static Path locate() throws IOException {
        String own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream().filter(l -> l.startsWith("0::"))
                .findFirst().map(l -> l.substring(3))
                .orElseThrow(() -> new IOException("not in a cgroup v2 hierarchy (/proc/self/cgroup has no 0:: line)"));
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            // id parent major:minor root mount-point options [optional...] - fstype source super-options
            String[] halves = line.split(" - ", 2);
            if (halves.length < 2 || !halves[1].startsWith("cgroup2 ")) {
                continue;
            }
            List<String> fields = List.of(halves[0].split(" "));
            String root = unescape(fields.get(3));
            String mountPoint = unescape(fields.get(4));
            if (root.equals("/")) {
                return Path.of(mountPoint, own);
            }
            if (own.equals(root) || own.startsWith(root + "/")) {
                return Path.of(mountPoint, own.substring(root.length()));
            }
        }
        throw new IOException("no cgroup2 mount holds " + own);
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
