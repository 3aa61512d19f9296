package io.lb4j.engine.packet;

/**
 * Test-only settings of {@link PacketEngine.Builder} for code outside this package (the namespace lab's balancer
 * runs in a child JVM from {@code io.lb4j.engine.packet.lab}).
 */
public final class TestEngines {

    private TestEngines() {
    }

    /**
     * The builder with the kernel's offload metadata off: the engine segments TCP super-frames in software and
     * completes partial checksums, as it does on a kernel without {@code PACKET_VNET_HDR}.
     */
    public static PacketEngine.Builder withoutOffloadMetadata(PacketEngine.Builder builder) {
        return builder.vnetHeaders(false);
    }
}
