/**
 * Flow-state sync between the packet engines of a pair ({@link io.lb4j.ha.flowsync.FlowSync}, like LVS's connection
 * sync daemon over TCP): each node streams its flow changes to the peer and applies the peer's, so after a takeover
 * the new master sends every established connection to the real server it already had.
 */
package io.lb4j.ha.flowsync;
