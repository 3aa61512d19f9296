/**
 * Packet-engine benchmarks: JMH benchmarks of the per-frame packet path and of a Maglev lookup on frames in memory
 * (both must show about 0 B/op under {@code -prof gc}), and an end-to-end harness that compares lb4j's direct routing
 * with the kernel's and with no balancer in network namespaces (root only). Never part of the unit-test run.
 */
package io.lb4j.benchmarks.packet;
