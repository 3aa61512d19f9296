package io.lb4j.appliance;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.EventStream;
import io.lb4j.api.status.BalancerStatus;

import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * The balancer as the admin server of a pair or cluster node sees it: everything goes to the node's balancer, except
 * {@link #reconfigure}, which goes through the node's {@link ServiceReplication} so that a {@code PUT /api/config} on
 * the primary reaches the other nodes as a reload does, and is refused on the others (whose services the primary's
 * next push would overwrite). Halt, drain and online stay local to the node, as lb-ha replicates only the service list.
 */
final class ReplicatingBalancer implements LoadBalancer {

    private final LoadBalancer balancer;
    private final ServiceReplication node;
    private final Object lock;

    /** @param lock the runner's reload lock: a PUT and a SIGHUP reload never interleave */
    ReplicatingBalancer(LoadBalancer balancer, ServiceReplication node, Object lock) {
        this.balancer = balancer;
        this.node = node;
        this.lock = lock;
    }

    /**
     * @throws IllegalArgumentException on the secondary (the admin API answers 400 with the reason), or when the set
     *                                  is invalid
     */
    @Override
    public void reconfigure(Collection<VirtualService> services) {
        synchronized (lock) {
            try {
                node.reconfigure(services);
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }

    @Override
    public void start() {
        balancer.start();
    }

    @Override
    public void stop(Duration grace) {
        balancer.stop(grace);
    }

    @Override
    public void halt(String service, String realServer) {
        balancer.halt(service, realServer);
    }

    @Override
    public void drain(String service, String realServer) {
        balancer.drain(service, realServer);
    }

    @Override
    public void online(String service, String realServer) {
        balancer.online(service, realServer);
    }

    @Override
    public BalancerStatus status() {
        return balancer.status();
    }

    @Override
    public EventStream events() {
        return balancer.events();
    }

    @Override
    public List<VirtualService> services() {
        return balancer.services();
    }
}
