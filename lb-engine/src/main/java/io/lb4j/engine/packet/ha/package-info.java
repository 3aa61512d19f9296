/**
 * The packet engine's side of a clustered pair: {@link io.lb4j.engine.packet.ha.PairHooks} (ARP ownership of the
 * VIPs, gratuitous ARP, the flow-state journal) and the {@link io.lb4j.engine.packet.ha.FlowUpdate} records flow sync
 * carries. Exported to module {@code io.lb4j.ha} only, so {@link io.lb4j.engine.packet.PacketEngine}'s public surface
 * stays what an embedder needs.
 */
package io.lb4j.engine.packet.ha;
