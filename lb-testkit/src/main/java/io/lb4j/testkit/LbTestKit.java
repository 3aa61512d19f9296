package io.lb4j.testkit;

import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.LbEvent;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unit-test a balancer's failover policy in-process, in virtual time: a {@link VirtualClock} at t = 0, a
 * {@link SimulatedEngine}, and fake hosts that the real health-check strategies and monitor probe.
 *
 * <pre>{@code
 * LbTestKit kit = LbTestKit.create();
 * LoadBalancer lb = kit.start(pacs);
 * kit.server("192.168.100.110").fail();          // the primary cluster dies at t = 0
 * kit.advance(Duration.ofMinutes(4));
 * assertThat(kit.connect(104)).isEqualTo(primary:104);
 * kit.advance(Duration.ofMinutes(1).plusSeconds(30));
 * assertThat(kit.connect(104)).isEqualTo(secondary:104);
 * }</pre>
 *
 * <p>No real packet leaves the JVM; client connections come from {@code 192.0.2.10} (TEST-NET-1) unless a test names
 * another address. Not thread-safe: drive it from the test thread.
 *
 * <p>The kit compiles against lb-api only and runs lb4j's real control plane and health checks, which
 * {@link LoadBalancer#builder()} finds at run time: add {@code io.lb4j:lb-engine} beside {@code io.lb4j:lb-testkit}
 * (an application that embeds lb4j has it anyway). Without it {@link #start} fails with an
 * {@link IllegalStateException} that names that artifact.
 */
public final class LbTestKit implements AutoCloseable {

    /** The client address connections come from by default. */
    public static final String DEFAULT_CLIENT = "192.0.2.10";

    private final VirtualClock clock = new VirtualClock();
    private final SimulatedEngine engine = new SimulatedEngine();
    private final Map<InetAddress, FakeServer> servers = new ConcurrentHashMap<>();
    private final InetAddress defaultClient = InetAddress.ofLiteral(DEFAULT_CLIENT);
    private final List<LbEvent> events = new ArrayList<>();
    private LoadBalancer balancer;

    private LbTestKit() {
    }

    /** A kit at t = 0 with no balancer yet. */
    public static LbTestKit create() {
        return new LbTestKit();
    }

    /**
     * Builds a balancer for {@code services} on the simulated engine and starts it; the first health checks run
     * before this returns.
     *
     * @throws IllegalStateException when the kit already started one
     */
    public LoadBalancer start(VirtualService... services) {
        return start(LoadBalancer.builder().services(List.of(services)));
    }

    /**
     * Starts a balancer from a builder the test prepared (services, extra strategies); the kit sets engine, clock
     * and network.
     */
    public LoadBalancer start(LoadBalancer.Builder builder) {
        if (balancer != null) {
            throw new IllegalStateException("this kit already started a balancer");
        }
        balancer = builder.engine(engine).clock(clock).network(new FakeNetwork(this::hostAt)).build();
        balancer.events().subscribe(e -> {
            synchronized (events) {
                events.add(e);
            }
        });
        balancer.start();
        clock.runDue();
        return balancer;
    }

    /** The fake host at that IP literal (created healthy on first use). */
    public FakeServer server(String address) {
        return hostAt(InetAddress.ofLiteral(address));
    }

    private FakeServer hostAt(InetAddress address) {
        return servers.computeIfAbsent(address, FakeServer::new);
    }

    /** Runs everything due within {@code duration} of virtual time, in order. */
    public void advance(Duration duration) {
        clock.advance(duration);
    }

    /**
     * Advances until {@code condition} holds, at most {@code limit}; returns whether it holds. Time stops when it
     * does, so {@link #elapsed()} tells when.
     */
    public boolean advanceUntil(java.util.function.BooleanSupplier condition, Duration limit) {
        return clock.advanceUntil(condition, limit);
    }

    /**
     * Where a new client connection to {@code vipPort} goes now.
     *
     * @throws IllegalStateException naming the service when nothing can take it
     */
    public InetSocketAddress connect(int vipPort) {
        return engine.connect(vipPort, defaultClient);
    }

    /** Where a new connection from {@code client} (an IP literal) to {@code vipPort} goes now. */
    public InetSocketAddress connect(int vipPort, String client) {
        return engine.connect(vipPort, InetAddress.ofLiteral(client));
    }

    /** Opens a connection to {@code vipPort} and keeps it open until closed or expired. */
    public SimulatedConnection open(int vipPort) {
        return engine.open(vipPort, defaultClient);
    }

    /** The current virtual time. */
    public Instant now() {
        return clock.now();
    }

    /** Virtual time since the kit was created. */
    public Duration elapsed() {
        return clock.elapsed();
    }

    /** Every event the balancer published, in order. */
    public List<LbEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The events of one type, in order. */
    public <E extends LbEvent> List<E> events(Class<E> type) {
        return events().stream().filter(type::isInstance).map(type::cast).toList();
    }

    public VirtualClock clock() {
        return clock;
    }

    public SimulatedEngine engine() {
        return engine;
    }

    /** The balancer the kit started. */
    public LoadBalancer balancer() {
        if (balancer == null) {
            throw new IllegalStateException("no balancer started yet: call start(..) first");
        }
        return balancer;
    }

    /** Stops the balancer. */
    @Override
    public void close() {
        if (balancer != null) {
            balancer.stop(Duration.ZERO);
        }
    }
}
