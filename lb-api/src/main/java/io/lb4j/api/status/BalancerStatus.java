package io.lb4j.api.status;

import java.time.Instant;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * An immutable snapshot of the whole balancer: every service and real server with state and connection counts.
 *
 * @param at       when it was taken, by the balancer's clock
 * @param running  whether the balancer is started
 * @param services every service, in configured order
 */
public record BalancerStatus(Instant at, boolean running, List<ServiceStatus> services) {

    /** Copies the list. */
    public BalancerStatus {
        services = List.copyOf(services);
    }

    /**
     * The service with this label.
     *
     * @throws NoSuchElementException naming the label when there is none
     */
    public ServiceStatus service(String label) {
        return services.stream().filter(s -> s.label().equals(label)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no service \"" + label + "\""));
    }
}
