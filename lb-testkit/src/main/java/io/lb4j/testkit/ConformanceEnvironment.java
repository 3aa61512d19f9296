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
 * Where {@link FailoverConformanceSuite} runs its scenarios: an engine, a clock, a primary and a secondary cluster
 * it can break and mend, and clients. The simulated environment runs the seed's real 30 s intervals in virtual
 * time; socket-based environments scale time down and wait for real.
 */
public interface ConformanceEnvironment extends AutoCloseable {

    /** Builds a service's skeleton for the method this environment forwards (VIP address set, no ports). */
    VirtualService.Builder serviceBuilder();

    /** The address of the primary cluster. */
    String primary();

    /** The address of the secondary cluster. */
    String secondary();

    /** The port this environment uses for one of the seed's PACS ports (identity, or shifted when privileged). */
    int port(int pacsPort);

    /** The seed's 30 s check interval, as this environment runs it. */
    Duration interval();

    /** Whether event timestamps are exact (virtual time), so scenarios can assert them to the second. */
    boolean exactTime();

    /**
     * Whether {@link #connect} reports where the balancer routes a connection even when that server is dead (a
     * simulation), rather than where a real connection ended up: a real engine that cannot reach a dead primary
     * retries on the fallback before the health check has even declared the primary down.
     */
    default boolean connectShowsRouteToDeadServers() {
        return false;
    }

    /** Builds and starts the balancer; the first health checks have run when it returns. */
    LoadBalancer start(VirtualService service);

    /** The primary stops answering altogether (connections hang). */
    void failPrimary();

    /** One port of the primary refuses connections. */
    void failPrimaryPort(int port);

    /** The primary answers again on every port. */
    void recoverPrimary();

    /** Lets {@code duration} of balancer time pass. */
    void advance(Duration duration);

    /** Lets time pass until {@code condition} holds; false when {@code limit} passed first. */
    boolean advanceUntil(BooleanSupplier condition, Duration limit);

    /** Where a new client connection to {@code port} ends up (closed again at once). */
    InetSocketAddress connect(int port);

    /** A connection to {@code port} held open. */
    HeldConnection open(int port);

    /** The balancer's time now. */
    Instant now();

    /** Every event so far. */
    List<LbEvent> events();

    /** The events of one type so far. */
    default <E extends LbEvent> List<E> events(Class<E> type) {
        return events().stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Override
    void close();
}
