package io.lb4j.ha;

import io.lb4j.ha.vip.InterfaceVipOwner;
import io.lb4j.ha.vip.VipOwner;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.VrrpState;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.event.Subscription;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.engine.packet.ha.PairHooks;
import io.lb4j.ha.vrrp.event.HaEvent;
import io.lb4j.ha.vrrp.event.StateChanged;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * One node of a clustered pair: a {@link LoadBalancer}, the {@link VrrpInstance} that decides whether this node is
 * master, and the {@link VipOwner} that makes the virtual addresses answer here while it is.
 *
 * <pre>{@code
 * HaPair node = HaPair.builder()
 *     .loadBalancer(lb)
 *     .vrrp(VrrpInstance.builder().vrid(51).priority(150).virtualAddress("192.168.100.100")
 *         .networkInterface("eth0").build())
 *     .vipOwner(InterfaceVipOwner.builder("eth0").build())
 *     .build();
 * node.start();     // balancer first (health checks warm on both nodes), then VRRP
 * node.close();     // VRRP first (priority 0: the peer takes over after Skew_Time), then the balancer drains
 * }</pre>
 *
 * <p>Guarantees: on start the addresses are released first (a crash as master leaves them on the interface);
 * {@link VipOwner#acquire} runs on every transition to master and {@link VipOwner#release} on every
 * transition out of it, in order and never concurrently; the balancer runs on both nodes, so a backup's health state
 * is current when it takes over. With the proxy engine the backup must be able to bind the VIP before it owns it:
 * set {@code net.ipv4.ip_nonlocal_bind=1} on both nodes. Thread-safe.
 */
public final class HaPair implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HaPair.class);

    private final LoadBalancer balancer;
    private final VrrpInstance vrrp;
    private final VipOwner vipOwner;
    private Subscription subscription;
    private boolean started;
    private boolean closed;

    private HaPair(Builder b) {
        this.balancer = b.balancer;
        this.vrrp = b.vrrp;
        this.vipOwner = b.vipOwner;
    }

    /** A builder; {@code vrrp} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The packet engine of a pair node, built from {@code builder}: it starts without answering ARP for its VIPs (a
     * {@link io.lb4j.ha.vip.PacketEngineVipOwner} makes it answer while this node is master) and journals its flows
     * for {@link io.lb4j.ha.flowsync.FlowSync}, so established connections survive a takeover. Use it on both nodes.
     *
     * <pre>{@code
     * PacketEngine engine = HaPair.packetEngine(PacketEngine.builder("eth0"));
     * }</pre>
     */
    public static PacketEngine packetEngine(PacketEngine.Builder builder) {
        PacketEngine engine = Objects.requireNonNull(builder, "builder").build();
        PairHooks hooks = PairHooks.of(engine);
        hooks.standby();
        hooks.journalFlows();
        return engine;
    }

    /**
     * Starts the balancer (when one was given), then VRRP.
     *
     * @throws IllegalStateException       when already started
     * @throws java.io.UncheckedIOException when the VRRP socket cannot be opened; the balancer is stopped again
     */
    public synchronized void start() {
        if (started) {
            throw new IllegalStateException("HA pair already started (expected: start() once)");
        }
        started = true;
        subscription = vrrp.subscribe(this::onEvent);
        if (balancer != null) {
            balancer.start();
        }
        try {
            // A node that crashed as master left its addresses behind; a backup must not answer for them.
            vipOwner.release(vrrp.virtualAddresses());
            vrrp.start();
        } catch (RuntimeException e) {
            if (balancer != null) {
                balancer.stop();
            }
            throw e;
        }
    }

    private void onEvent(HaEvent event) {
        if (!(event instanceof StateChanged s)) {
            return;
        }
        if (s.to() == VrrpState.MASTER) {
            try {
                vipOwner.acquire(vrrp.virtualAddresses());
            } catch (RuntimeException e) {
                LOG.error("VRRP {}: master, but taking the virtual addresses failed", vrrp.vrid(), e);
            }
        } else if (s.from() == VrrpState.MASTER) {
            try {
                vipOwner.release(vrrp.virtualAddresses());
            } catch (RuntimeException e) {
                LOG.error("VRRP {}: releasing the virtual addresses failed", vrrp.vrid(), e);
            }
        }
    }

    /** The VRRP state of this node. */
    public VrrpState state() {
        return vrrp.state();
    }

    /** Whether this node is master (owns the virtual addresses). */
    public boolean isMaster() {
        return vrrp.state() == VrrpState.MASTER;
    }

    /** The VRRP instance, for its events, counters and timings. */
    public VrrpInstance vrrp() {
        return vrrp;
    }

    /**
     * Leaves the pair gracefully: VRRP stops first (a master sends priority 0 and releases the addresses, so the
     * peer takes over after Skew_Time), then the balancer stops and lets its connections drain. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        vrrp.stop();
        if (subscription != null) {
            subscription.close();
        }
        vipOwner.close();
        if (balancer != null && started) {
            balancer.stop();
        }
    }

    /** Fluent builder for an {@link HaPair}. Not thread-safe. */
    public static final class Builder {
        private LoadBalancer balancer;
        private VrrpInstance vrrp;
        private VipOwner vipOwner = VipOwner.none();

        Builder() {
        }

        /** The balancer this node runs; optional (a pair can guard any service bound to the VIP). */
        public Builder loadBalancer(LoadBalancer balancer) {
            this.balancer = Objects.requireNonNull(balancer, "loadBalancer");
            return this;
        }

        /** The VRRP instance; required, not yet started. */
        public Builder vrrp(VrrpInstance vrrp) {
            this.vrrp = Objects.requireNonNull(vrrp, "vrrp");
            return this;
        }

        /** Who answers for the virtual addresses while master; default {@link VipOwner#none()}. */
        public Builder vipOwner(VipOwner owner) {
            this.vipOwner = Objects.requireNonNull(owner, "vipOwner");
            return this;
        }

        /** @throws IllegalArgumentException when no VRRP instance was given */
        public HaPair build() {
            if (vrrp == null) {
                throw new IllegalArgumentException("vrrp: unset (expected: a VrrpInstance)");
            }
            return new HaPair(this);
        }
    }
}
