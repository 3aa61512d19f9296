package io.lb4j.engine.packet;

import io.lb4j.api.spi.RoutingTable;

import java.util.Arrays;

/**
 * The services installed in one packet engine, shared by all its packet threads: a copy-on-write array behind one
 * volatile reference, so the packet threads read it without locks while the control plane installs, swaps and
 * removes services. Ids are never reused, so a flow's service id names one installation.
 */
final class ServiceTable {

    private volatile ServiceState[] services = new ServiceState[0];
    private int nextServiceId;

    /** The installed services now; never modified (a change swaps in a new array). */
    ServiceState[] services() {
        return services;
    }

    /**
     * Installs a service's first snapshot or swaps in a newer one.
     *
     * @return the id of a service whose flows the packet threads must now purge (its listeners changed), or -1
     * @throws IllegalArgumentException when one of its VIP:ports is already served by another service
     */
    synchronized int install(RoutingTable table) {
        String label = table.service().label();
        ServiceState[] current = services;
        for (int i = 0; i < current.length; i++) {
            if (current[i].label.equals(label)) {
                if (current[i].sameListeners(table)) {
                    current[i].install(table);
                    return -1;
                }
                ServiceState[] next = current.clone();
                next[i] = new ServiceState(nextServiceId++, table);
                services = next;
                return current[i].id;
            }
        }
        ServiceState added = new ServiceState(nextServiceId++, table);
        for (ServiceState s : current) {
            if (s.isVip(added.vipHigh, added.vipLow) && s.protocol == added.protocol) {
                for (int port : table.service().ports()) {
                    if (s.hasPort(port)) {
                        throw new IllegalArgumentException("service \"" + label + "\": "
                                + (s.ipv6 ? "[" + table.service().address().getHostAddress() + "]"
                                        : Bytes.ipv4ToString(s.vip)) + ":" + port
                                + " is already served by \"" + s.label + "\"");
                    }
                }
            }
        }
        ServiceState[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = added;
        services = next;
        return -1;
    }

    /** Removes a service so no frame matches it any more; returns its id for the flow purge, or -1 if unknown. */
    synchronized int uninstall(String label) {
        ServiceState[] current = services;
        for (int i = 0; i < current.length; i++) {
            if (current[i].label.equals(label)) {
                ServiceState[] next = new ServiceState[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                services = next;
                return current[i].id;
            }
        }
        return -1;
    }

    /** The id of the installed service with this label, or -1. */
    int serviceId(String label) {
        for (ServiceState s : services) {
            if (s.label.equals(label)) {
                return s.id;
            }
        }
        return -1;
    }

    /** The distinct IPv4 VIPs of the installed services, sorted. */
    int[] vips() {
        return Arrays.stream(services).filter(s -> !s.ipv6).mapToInt(s -> s.vip).distinct().sorted().toArray();
    }
}
