package io.lb4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's CPU time from {@code /proc/PID/stat}, the one reader the harnesses share to measure the systems they
 * compare the same way. Fields are counted after the command's closing parenthesis, since a command may contain
 * spaces. Linux only.
 */
public final class ProcStat {

    /** Linux's USER_HZ, the unit of the times in {@code /proc/PID/stat}. */
    public static final long TICKS_PER_SECOND = 100;

    private ProcStat() {
    }

    /** User plus system time of process {@code pid} so far, in clock ticks (fields 14 and 15). */
    public static long cpuTicks(long pid) throws IOException {
        String[] f = fields(pid);
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** System time of process {@code pid} so far, in clock ticks (field 15). */
    public static long sysTicks(long pid) throws IOException {
        return Long.parseLong(fields(pid)[12]);
    }

    /** The fields from the third (the state) on: index 0 is field 3. */
    private static String[] fields(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }
}
