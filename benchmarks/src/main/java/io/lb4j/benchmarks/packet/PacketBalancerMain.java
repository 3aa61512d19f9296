package io.lb4j.benchmarks.packet;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.engine.packet.PacketEngine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The balancer of {@code benchmarks/packet-vs-kernel.sh}: a {@link LoadBalancer} on a {@link PacketEngine}, run in
 * the balancer's network namespace ({@code ip netns exec NS java --enable-native-access=ALL-UNNAMED ...}; an
 * AF_PACKET socket belongs to the namespace of the process that opens it), through the public API only, as an
 * application embedding lb4j runs it.
 *
 * <p>Arguments: {@code dr|masq IFACE VIP PRIMARY SECONDARY PORT}. Two services on VIP:PORT, TCP and UDP, each with
 * the real server PRIMARY (direct routing) and the fallback SECONDARY (masquerade), no health check:
 * <ul>
 *   <li>{@code dr}: every new flow goes to PRIMARY by direct routing (MACs rewritten only);</li>
 *   <li>{@code masq}: PRIMARY is halted before {@code READY}, so every new flow goes to SECONDARY through NAT and its
 *       replies come back through the engine to be un-NATed.</li>
 * </ul>
 * Prints {@code READY} once the engine runs (and the fallback is active, in {@code masq}); on SIGTERM or SIGINT it
 * prints {@code STATS <engine counters>} and stops.
 */
public final class PacketBalancerMain {

    static final String TCP = "bench-tcp";
    static final String UDP = "bench-udp";
    static final String PRIMARY = "primary";

    private PacketBalancerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 6 || !List.of("dr", "masq").contains(args[0])) {
            System.err.println("usage: PacketBalancerMain dr|masq IFACE VIP PRIMARY SECONDARY PORT");
            System.exit(2);
        }
        boolean masq = args[0].equals("masq");
        String iface = args[1];
        int port = Integer.parseInt(args[5]);
        PacketEngine.ensureAvailability();
        // -Dlb4j.packetThreads=N: the engine's packet threads (0, the default: one per processor).
        PacketEngine engine = PacketEngine.builder(iface).packetThreads(Integer.getInteger("lb4j.packetThreads", 0))
                .build();
        LoadBalancer.Builder builder = LoadBalancer.builder().engine(engine);
        for (Protocol protocol : List.of(Protocol.TCP, Protocol.UDP)) {
            builder.service(VirtualService.directRouting()
                    .label(protocol == Protocol.TCP ? TCP : UDP)
                    .address(args[2]).ports(port).protocol(protocol)
                    .real(PRIMARY, args[3])
                    .fallback(args[4], f -> f.masquerade(true))
                    .healthCheck(HealthCheck.none())
                    .build());
        }
        LoadBalancer lb = builder.build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("STATS " + engine.stats());
            System.out.flush();
            lb.stop(Duration.ZERO);
            stopped.countDown();
        }, "packet-balancer-stop"));
        lb.start();
        if (masq) {
            lb.halt(TCP, PRIMARY);
            lb.halt(UDP, PRIMARY);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!(lb.status().service(TCP).onFallback() && lb.status().service(UDP).onFallback())) {
                if (System.nanoTime() - deadline > 0) {
                    System.err.println("the services did not switch to their fallback within 10 s");
                    System.exit(1);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
        System.out.println("READY " + args[0] + " on " + iface);
        System.out.flush();
        stopped.await(); // the packet thread does the work until the shutdown hook stops it
    }
}
