package io.lb4j.engine.packet;

/**
 * {@link PacketEngineNamespaceTest} with the offloads (TSO, GSO, GRO) off on every host's {@code eth0}: every frame at
 * wire size, as on hosts whose NICs have no offloads (or had them switched off).
 */
class PacketEngineNamespaceOffloadsOffTest extends PacketEngineNamespaceTest {

    @Override
    boolean offloads() {
        return false;
    }
}
