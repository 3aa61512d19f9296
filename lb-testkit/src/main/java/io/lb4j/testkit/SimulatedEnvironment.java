package io.lb4j.testkit;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.LbEvent;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The conformance environment of the {@link LbTestKit}: direct routing on the seed's own addresses and ports,
 * the seed's 30 s interval, all in virtual time.
 */
public final class SimulatedEnvironment implements ConformanceEnvironment {

    private static final String VIP = "192.168.100.100";
    private static final String PRIMARY = "192.168.100.110";
    private static final String SECONDARY = "192.168.100.120";

    private final LbTestKit kit = LbTestKit.create();

    /** An environment with its own test kit (virtual clock, simulated engine, fake servers). */
    public SimulatedEnvironment() {
    }

    @Override
    public VirtualService.Builder serviceBuilder() {
        return VirtualService.directRouting().address(VIP);
    }

    @Override
    public String primary() {
        return PRIMARY;
    }

    @Override
    public String secondary() {
        return SECONDARY;
    }

    @Override
    public int port(int pacsPort) {
        return pacsPort;
    }

    @Override
    public Duration interval() {
        return Duration.ofSeconds(30);
    }

    @Override
    public boolean exactTime() {
        return true;
    }

    @Override
    public boolean connectShowsRouteToDeadServers() {
        return true;
    }

    @Override
    public LoadBalancer start(VirtualService service) {
        return kit.start(service);
    }

    @Override
    public void failPrimary() {
        kit.server(PRIMARY).fail();
    }

    @Override
    public void failPrimaryPort(int port) {
        kit.server(PRIMARY).fail(port);
    }

    @Override
    public void recoverPrimary() {
        kit.server(PRIMARY).recover();
    }

    @Override
    public void advance(Duration duration) {
        kit.advance(duration);
    }

    @Override
    public boolean advanceUntil(BooleanSupplier condition, Duration limit) {
        return kit.advanceUntil(condition, limit);
    }

    @Override
    public InetSocketAddress connect(int port) {
        return kit.connect(port);
    }

    @Override
    public HeldConnection open(int port) {
        return kit.open(port);
    }

    @Override
    public Instant now() {
        return kit.now();
    }

    @Override
    public List<LbEvent> events() {
        return kit.events();
    }

    @Override
    public void close() {
        kit.close();
    }
}
