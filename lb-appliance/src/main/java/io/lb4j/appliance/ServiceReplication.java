package io.lb4j.appliance;

import io.lb4j.api.VirtualService;

import java.util.Collection;

/**
 * Where a node's service list comes from when it shares it with other nodes: the primary applies a list and pushes it
 * to the others, the others take theirs from it. A pair node ({@link ClusteredNode}) and a cluster node
 * ({@link ClusterReplication}) both are one; the admin API's {@code PUT /api/config} ({@link ReplicatingBalancer}) and
 * a reload go through it.
 */
interface ServiceReplication {

    /** Whether this node publishes its services to the others. */
    boolean isPrimary();

    /**
     * Applies {@code services} here atomically, then pushes them to the other nodes.
     *
     * @return the replicated version's sequence number
     * @throws IllegalStateException    on a node that receives its services (the message names where to change them)
     * @throws IllegalArgumentException when the set is invalid or has no portable form; nothing changes anywhere
     */
    long reconfigure(Collection<VirtualService> services);
}
