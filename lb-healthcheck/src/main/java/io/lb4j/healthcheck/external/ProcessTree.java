package io.lb4j.healthcheck.external;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A script's processes found without cgroups: its process tree, and (on Linux, when the script leads a session of its
 * own) every process still in that session. The tree is listed before the script dies, since its children are then
 * re-parented and no longer its descendants; a child that called {@code setsid} is found through the tree while its
 * parent lives. The session finds what an exited script left behind. What neither finds is a process that left the
 * session and whose parent has exited: only a cgroup holds that one.
 */
final class ProcessTree {

    /** Enough rounds for processes forked while the previous round was killing; a fork bomb needs a cgroup. */
    private static final int ROUNDS = 20;

    private static final boolean PROC = Files.isReadable(Path.of("/proc/self/stat"));

    private final ProcessHandle leader;
    private final boolean sessionLeader;
    private final Instant leaderStart;
    private final Set<ProcessHandle> killed = new LinkedHashSet<>();

    /**
     * @param leader        the script
     * @param sessionLeader whether the script was started as the leader of a new session, its pid the session id
     */
    ProcessTree(ProcessHandle leader, boolean sessionLeader) {
        this.leader = leader;
        this.sessionLeader = sessionLeader;
        this.leaderStart = leader.info().startInstant().orElse(Instant.MIN);
    }

    /**
     * SIGKILLs the leader and everything found, until a round finds nothing new alive; how many processes this call
     * killed. The leader dies first so that it cannot start replacements for the children being killed.
     */
    synchronized int kill() {
        int before = killed.size();
        Set<ProcessHandle> found = new LinkedHashSet<>(leader.descendants().toList());
        if (leader.isAlive() && leader.destroyForcibly()) {
            killed.add(leader);
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (ProcessHandle p : List.copyOf(found)) {
                found.addAll(p.descendants().toList()); // forked while we were looking
            }
            found.addAll(sessionMembers());
            boolean fresh = false;
            for (ProcessHandle p : found) {
                if (!killed.contains(p) && p.isAlive() && p.destroyForcibly()) {
                    killed.add(p);
                    fresh = true;
                }
            }
            if (!fresh) {
                break;
            }
        }
        return killed.size() - before;
    }

    /**
     * Whether a process killed so far is still running. A zombie is not: it has exited and only waits for its parent
     * (init, once the script is gone) to reap it, which may take a while or, under a JVM that is itself pid 1, forever.
     */
    synchronized boolean anyRunning() {
        return killed.stream().anyMatch(p -> p.isAlive() && !exited(p.pid()));
    }

    /**
     * The processes whose session id is the leader's pid. The pid cannot be reused while a process of the session
     * lives; the start-time check guards the case where none does any more and a new session got the number.
     */
    private List<ProcessHandle> sessionMembers() {
        List<ProcessHandle> members = new ArrayList<>();
        if (!sessionLeader) {
            return members;
        }
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isNumber(p.getFileName()))) {
            for (Path proc : procs) {
                if (session(proc) == leader.pid()) {
                    Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(proc.getFileName().toString()));
                    p.filter(h -> !h.equals(leader))
                            .filter(h -> !h.info().startInstant().orElse(Instant.MAX).isBefore(leaderStart))
                            .ifPresent(members::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            // No /proc (not Linux): the tree is all there is.
        }
        return members;
    }

    /** Field 6 of {@code /proc/<pid>/stat}; -1 when it is gone. */
    private static long session(Path proc) {
        String[] fields = stat(proc);
        return fields == null ? -1 : Long.parseLong(fields[3]); // state ppid pgrp session
    }

    /** The fields of {@code /proc/<pid>/stat} after the command name (which may contain spaces); null when gone. */
    private static String[] stat(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null; // exited and reaped meanwhile
        }
    }

    /** Whether {@code /proc} says the process has exited (a zombie, or gone); never without {@code /proc}. */
    private static boolean exited(long pid) {
        if (!PROC) {
            return false;
        }
        String[] fields = stat(Path.of("/proc", Long.toString(pid)));
        return fields == null || fields[0].equals("Z") || fields[0].equals("X");
    }

    private static boolean isNumber(Path name) {
        String s = name.toString();
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }
}
