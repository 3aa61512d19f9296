package io.lb4j.api.status;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.Protocol;

import java.net.InetAddress;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A virtual service at one instant.
 *
 * @param label                     the service's label
 * @param address                   the VIP
 * @param ports                     the VIP's ports
 * @param protocol                  TCP or UDP
 * @param method                    the forwarding method
 * @param onFallback                whether new connections go to the fallback
 * @param realServers               every real server, in configured order
 * @param fallbackAddress           the fallback's address, or {@code null} without one
 * @param fallbackActiveConnections connections open to the fallback now
 * @param counters                  what the service's idle timeouts and connection and session caps did (from the
 *                                  forwarding engine; {@link ServiceCounters#NONE} where it enforces none)
 */
public record ServiceStatus(String label, InetAddress address, List<Integer> ports, Protocol protocol,
                            ForwardingMethod method, boolean onFallback, List<RealServerStatus> realServers,
                            InetAddress fallbackAddress, int fallbackActiveConnections, ServiceCounters counters) {

    /** Copies the lists; {@code null} counters become {@link ServiceCounters#NONE}. */
    public ServiceStatus {
        ports = List.copyOf(ports);
        realServers = List.copyOf(realServers);
        counters = counters == null ? ServiceCounters.NONE : counters;
    }

    /** A status without engine counters ({@link ServiceCounters#NONE}), as before they existed. */
    public ServiceStatus(String label, InetAddress address, List<Integer> ports, Protocol protocol,
                         ForwardingMethod method, boolean onFallback, List<RealServerStatus> realServers,
                         InetAddress fallbackAddress, int fallbackActiveConnections) {
        this(label, address, ports, protocol, method, onFallback, realServers, fallbackAddress,
                fallbackActiveConnections, ServiceCounters.NONE);
    }

    /**
     * The real server with this label.
     *
     * @throws NoSuchElementException naming the label and the service when there is none
     */
    public RealServerStatus realServer(String realLabel) {
        return realServers.stream().filter(r -> r.label().equals(realLabel)).findFirst().orElseThrow(
                () -> new NoSuchElementException("service \"" + label + "\" has no real server \"" + realLabel + "\""));
    }
}
