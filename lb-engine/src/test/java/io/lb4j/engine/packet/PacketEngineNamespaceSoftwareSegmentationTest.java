package io.lb4j.engine.packet;

/**
 * {@link PacketEngineNamespaceTest} with the engine denied the kernel's offload metadata, as on a kernel without
 * {@code PACKET_VNET_HDR}: the hosts keep their default offloads, so super-frames arrive, and the engine cuts them to
 * the MTU itself and completes their checksums. The same transfers must arrive byte-exact.
 */
class PacketEngineNamespaceSoftwareSegmentationTest extends PacketEngineNamespaceTest {

    @Override
    boolean offloadMetadata() {
        return false;
    }
}
