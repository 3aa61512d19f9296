package io.lb4j.appliance.config;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.spi.ForwardingEngine;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.engine.proxy.ProxyEngine;
import io.lb4j.engine.proxy.Transport;
import io.lb4j.ha.HaPair;
import io.lb4j.ha.flowsync.FlowSync;

import java.time.Duration;
import java.util.function.Function;
import java.util.Objects;

/**
 * The {@code engine:} section of an appliance file: which forwarding engine to run and its options. A value: two
 * files that say the same thing give equal configs, which is how a reload tells that the engine did not change
 * (the engine itself cannot be swapped without a restart).
 *
 * @param type             {@code proxy} or {@code packet}
 * @param networkInterface the packet engine's interface (top-level {@code interface:}); empty for the proxy engine
 * @param ioThreads        proxy I/O threads, or 0 for the engine's default (one per processor)
 * @param connectTimeout   proxy connect timeout to a backend
 * @param maxPendingBytes  proxy back-pressure bound per connection and direction
 * @param udpIdleTimeout   proxy UDP session idle timeout
 * @param transport        the proxy's Netty transport; {@link Transport#AUTO} for the fastest available
 */
public record EngineConfig(String type, String networkInterface, int ioThreads, Duration connectTimeout,
                           int maxPendingBytes, Duration udpIdleTimeout, Transport transport) {

    /** The proxy engine with its defaults: what a file without {@code engine:} runs. */
    public static final EngineConfig PROXY_DEFAULTS = new EngineConfig("proxy", "", 0, Duration.ofSeconds(3),
            64 * 1024, Duration.ofSeconds(60), Transport.AUTO);

    /** Requires every field; the loader has checked the values. */
    public EngineConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(networkInterface, "networkInterface");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(udpIdleTimeout, "udpIdleTimeout");
        Objects.requireNonNull(transport, "transport");
    }

    /** The forwarding method a service gets when it names none: what this engine forwards natively. */
    public ForwardingMethod defaultMethod() {
        return type.equals("packet") ? ForwardingMethod.DIRECT_ROUTING : ForwardingMethod.PROXY;
    }

    /**
     * A new, not yet started engine.
     *
     * @throws IllegalArgumentException naming the option when a proxy option is out of range
     * @throws IllegalStateException    when the packet engine cannot be created here (not Linux, no CAP_NET_RAW, no
     *                                  such interface), with the reason
     */
    public ForwardingEngine create() {
        return create(false);
    }

    /**
     * A new, not yet started engine; for a node of a clustered pair ({@code pairNode}) the packet engine starts in
     * standby (it answers ARP for its VIPs only once VRRP made the node master) and journals its flows for
     * {@code FlowSync}. The proxy engine is the same either way.
     *
     * @throws IllegalArgumentException naming the option when a proxy option is out of range
     * @throws IllegalStateException    when the packet engine cannot be created here, with the reason
     */
    public ForwardingEngine create(boolean pairNode) {
        return create(pairNode ? HaPair::packetEngine : PacketEngine.Builder::build);
    }

    /**
     * A new, not yet started engine for a node of an active-active cluster that shares its flows with the others
     * ({@code cluster.peers}): the packet engine journals its flows for {@code FlowSync} and answers for its VIPs
     * from start. The proxy engine is the same as {@link #create()}'s.
     *
     * @throws IllegalArgumentException naming the option when a proxy option is out of range
     * @throws IllegalStateException    when the packet engine cannot be created here, with the reason
     */
    public ForwardingEngine createSyncingFlows() {
        return create(FlowSync::packetEngine);
    }

    private ForwardingEngine create(Function<PacketEngine.Builder, PacketEngine> packetEngine) {
        if (type.equals("proxy")) {
            ProxyEngine.Builder b = ProxyEngine.builder().connectTimeout(connectTimeout)
                    .maxPendingBytes(maxPendingBytes).udpIdleTimeout(udpIdleTimeout).transport(transport);
            if (ioThreads > 0) {
                b.ioThreads(ioThreads);
            }
            return b.build();
        }
        try {
            return packetEngine.apply(PacketEngine.builder(networkInterface));
        } catch (RuntimeException e) {
            throw new IllegalStateException("engine: packet on interface " + networkInterface + ": " + e.getMessage(), e);
        }
    }
}
