package io.lb4j.engine.packet;

/**
 * {@link PacketEngineNamespaceTest} with the offloads (TSO, GSO, GRO) off on every host's {@code eth0}: every frame at
 * wire size, as on a host set up the way the engine's log advises when it sees super-frames. Passes whether or not
 * the engine forwards GSO/GRO super-frames (issue 13).
 */
class PacketEngineNamespaceOffloadsOffTest extends PacketEngineNamespaceTest {

    @Override
    boolean offloads() {
        return false;
    }
}
