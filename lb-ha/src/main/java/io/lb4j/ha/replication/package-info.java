/**
 * Config replication from the primary to the secondary of a pair: the {@link io.lb4j.ha.replication.ConfigPublisher}
 * pushes each service list the local balancer accepted, the {@link io.lb4j.ha.replication.ConfigReceiver} applies it
 * atomically. Only frames whose HMAC-SHA256 over a shared secret verifies are decoded, versions only move forward,
 * and a secondary that was away gets the latest list when it reconnects. Local settings (addresses, routes) are not
 * replicated.
 */
package io.lb4j.ha.replication;
