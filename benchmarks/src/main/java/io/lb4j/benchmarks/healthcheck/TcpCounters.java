package io.lb4j.benchmarks.healthcheck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's TCP counters of a process's network namespace ({@code /proc/<pid>/net/snmp}). The script runs the
 * whole benchmark in a network namespace of its own, so {@code ActiveOpens} counts exactly the connects the checker
 * under test made. It is the only fair count for HAProxy: its connect-only check delays the handshake's last ACK
 * (TCP_QUICKACK off) and resets after the SYN-ACK, so the listener never gets a connection to accept.
 */
final class TcpCounters {

    private TcpCounters() {
    }

    /** {@code ActiveOpens} of the namespace {@code pid} lives in ({@code "self"} for ours). */
    static long activeOpens(String pid) throws IOException {
        return field(pid, "ActiveOpens");
    }

    static long field(String pid, String name) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/net/snmp"));
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).startsWith("Tcp:") && lines.get(i + 1).startsWith("Tcp:")) {
                String[] names = lines.get(i).split("\\s+");
                String[] values = lines.get(i + 1).split("\\s+");
                for (int k = 1; k < names.length; k++) {
                    if (names[k].equals(name)) {
                        return Long.parseLong(values[k]);
                    }
                }
            }
        }
        throw new IOException("no Tcp " + name + " in /proc/" + pid + "/net/snmp");
    }
}
