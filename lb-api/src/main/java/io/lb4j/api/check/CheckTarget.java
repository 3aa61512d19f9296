package io.lb4j.api.check;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link io.lb4j.api.spi.HealthCheckStrategy} needs to know about one attempt.
 *
 * @param service    the virtual service's label
 * @param vip        the virtual service's address
 * @param vipPorts   the virtual service's ports
 * @param realServer the real server's label
 * @param address    the real server's address
 * @param ports      the real-server ports to probe (already resolved from the check's port selection)
 * @param timeout    how long the attempt may take; the caller also enforces it
 */
public record CheckTarget(String service, InetAddress vip, List<Integer> vipPorts, String realServer,
                          InetAddress address, List<Integer> ports, Duration timeout) {

    /** Copies the lists and requires every field. */
    public CheckTarget {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(vip, "vip");
        vipPorts = List.copyOf(vipPorts);
        Objects.requireNonNull(realServer, "realServer");
        Objects.requireNonNull(address, "address");
        ports = List.copyOf(ports);
        Objects.requireNonNull(timeout, "timeout");
    }
}
