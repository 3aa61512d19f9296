/**
 * The packet engine: Layer-4 direct routing and NAT in user space. {@link io.lb4j.engine.packet.PacketEngine} is
 * the public entry point; everything else here is the allocation-free packet path behind it: header flyweights over
 * {@link java.lang.foreign.MemorySegment} (Ethernet/802.1Q, ARP, IPv4, IPv6 with its extension headers, TCP, UDP),
 * RFC 1071/1624 checksums (IPv4 and IPv6 pseudo-headers), the 5-tuple flow table of both families, the neighbour
 * table that ARP and NDP fill under the same rules, and the loop that drives them from an AF_PACKET ring
 * ({@link io.lb4j.linux}).
 */
package io.lb4j.engine.packet;
