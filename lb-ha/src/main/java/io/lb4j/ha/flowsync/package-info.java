/**
 * Flow-state sync between the packet engines of a pair or of an active-active cluster
 * ({@link io.lb4j.ha.flowsync.FlowSync}, like LVS's connection sync daemon over TCP): each node streams its flow changes
 * to every peer and applies theirs, so after a takeover, or when ECMP moves a flow to another node, that node sends
 * the established connection to the real server it already had.
 */
package io.lb4j.ha.flowsync;
