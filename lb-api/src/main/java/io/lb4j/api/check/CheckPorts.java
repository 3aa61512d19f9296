package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Which ports a health check probes: every port of the service (the default), or a fixed list.
 *
 * @param allPorts whether every port of the service is checked
 * @param ports the fixed list when {@code allPorts} is false; empty otherwise
 */
public record CheckPorts(boolean allPorts, List<Integer> ports) {

    private static final CheckPorts ALL = new CheckPorts(true, List.of());

    /** Validates: a fixed list is non-empty, in 1-65535 and has no duplicates. */
    public CheckPorts {
        ports = List.copyOf(ports);
        if (allPorts && !ports.isEmpty()) {
            throw Checks.invalid("healthCheck.ports", ports, "no fixed list when all ports are checked");
        }
        if (!allPorts) {
            if (ports.isEmpty()) {
                throw Checks.invalid("healthCheck.ports", "[]", "at least one port");
            }
            List<Integer> seen = new ArrayList<>();
            for (int p : ports) {
                Checks.inRange("healthCheck.ports", p, 1, 65535);
                if (seen.contains(p)) {
                    throw Checks.invalid("healthCheck.ports", p, "each port once; " + p + " is listed twice");
                }
                seen.add(p);
            }
        }
    }

    /** Every port of the service. */
    public static CheckPorts all() {
        return ALL;
    }

    /** Exactly these ports. */
    public static CheckPorts of(int... ports) {
        return new CheckPorts(false, IntStream.of(ports).boxed().toList());
    }

    /** The ports to probe for a service listening on {@code servicePorts}. */
    public List<Integer> resolve(List<Integer> servicePorts) {
        return allPorts ? servicePorts : ports;
    }
}
