package io.lb4j.ha.vip;

import io.lb4j.ha.HaPair;

import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.engine.packet.ha.PairHooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * A {@link VipOwner} for the packet engine, which owns the VIPs itself instead of the host kernel: on becoming master
 * the engine starts answering ARP (and, for IPv6 VIPs, Neighbour Solicitations: one switch covers both) for its VIPs
 * and announces them from its own MAC (a burst now and a second burst a few seconds later, as
 * {@link InterfaceVipOwner} and keepalived do; {@link PairHooks#announce} decides per address whether that is a
 * gratuitous ARP or an unsolicited Neighbour Advertisement); on leaving master it stops answering, so only one node
 * of the pair ever claims the VIP. Build the engine with {@link HaPair#packetEngine} on
 * both nodes, so a node never answers before VRRP made it master.
 *
 * <pre>{@code
 * PacketEngine engine = HaPair.packetEngine(PacketEngine.builder("eth0"));
 * HaPair node = HaPair.builder().loadBalancer(lb).vrrp(vrrp).vipOwner(PacketEngineVipOwner.of(engine)).build();
 * }</pre>
 *
 * <p>Every VRRP address is the master's engine's to answer: the service VIPs and any other, such as a floating
 * gateway that MASQ fallbacks route their replies through ({@link PairHooks#ownAddresses}), so NAT replies follow
 * the master too. Thread-safe; failures are logged, never thrown, as the pair expects.
 */
public final class PacketEngineVipOwner extends AnnouncingVipOwner {

    private static final Logger LOG = LoggerFactory.getLogger(PacketEngineVipOwner.class);

    private final PacketEngine engine;
    private final PairHooks hooks;

    private PacketEngineVipOwner(Builder b) {
        super(b);
        this.engine = b.engine;
        this.hooks = PairHooks.of(b.engine);
    }

    /** An owner with the defaults of {@link #builder(PacketEngine)}: 5 gratuitous ARPs now and 5 after 5 s. */
    public static PacketEngineVipOwner of(PacketEngine engine) {
        return builder(engine).build();
    }

    /** A builder for an owner driving {@code engine}. */
    public static Builder builder(PacketEngine engine) {
        return new Builder(engine);
    }

    @Override
    void take(List<InetAddress> addresses) {
        // Every VRRP address is the master's: the service VIPs, and any other (a floating gateway for MASQ replies).
        try {
            hooks.ownAddresses(addresses);
        } catch (IllegalArgumentException notYet) {
            // An engine that owns extra IPv4 addresses only: its IPv6 VIPs are still answered (Neighbour
            // Solicitations, behind the same switch as ARP); only an IPv6 address that is no service's VIP is not.
            LOG.warn("{}: owns IPv4 addresses only besides its VIPs; {}", engine, notYet.getMessage());
            hooks.ownAddresses(addresses.stream().filter(a -> a instanceof Inet4Address).toList());
        }
        hooks.answerArp(true);
    }

    @Override
    void announceOnce(List<InetAddress> addresses) {
        try {
            int announced = hooks.announce(addresses);
            if (announced < addresses.size()) {
                LOG.warn("{}: only {} of the VRRP addresses {} announced", engine, announced, addresses);
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: announcing the VIPs failed: {}", engine, e.getMessage());
        }
    }

    @Override
    void give(List<InetAddress> addresses) {
        try {
            hooks.answerArp(false);
        } catch (RuntimeException e) {
            LOG.error("{}: could not stop answering ARP for the VIPs: {}", engine, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "PacketEngineVipOwner[" + engine + "]";
    }

    /** Builder for a {@link PacketEngineVipOwner}; defaults: 5 gratuitous ARPs per address, repeated after 5 s. */
    public static final class Builder extends BurstSettings<Builder> {
        private final PacketEngine engine;

        Builder(PacketEngine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        @Override
        Builder self() {
            return this;
        }

        public PacketEngineVipOwner build() {
            return new PacketEngineVipOwner(this);
        }
    }
}
