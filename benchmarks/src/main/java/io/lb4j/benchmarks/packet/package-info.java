/**
 * Packet-engine benchmarks: JMH benchmarks of the per-frame packet path and of a Maglev lookup on frames in memory
 * (both must show about 0 B/op under {@code -prof gc}), and an end-to-end harness that compares lb4j's direct routing
 * with the kernel's and with no balancer in network namespaces (root only), and the balancer process of
 * {@code benchmarks/packet-vs-kernel.sh} ({@link io.lb4j.benchmarks.packet.PacketBalancerMain}: direct routing and
 * the MASQ fallback against the kernel's nftables). Never part of the unit-test run.
 */
package io.lb4j.benchmarks.packet;
