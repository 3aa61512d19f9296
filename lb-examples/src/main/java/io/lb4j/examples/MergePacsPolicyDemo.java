package io.lb4j.examples;

import io.lb4j.appliance.StatusText;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.LbEvent;
import io.lb4j.testkit.LbTestKit;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The seed's failover policy, exactly as configured on the appliance (connect to all 7 ports every 30 s, 10
 * failures in a row), run on the test kit in virtual time: five minutes of failover and the fail-back after it take
 * milliseconds, and the timeline is printed to the second. No sockets, no root; the addresses are the seed's.
 *
 * <p>Run it with {@code java -jar lb4j-appliance.jar policy-demo}.
 */
public final class MergePacsPolicyDemo {

    private static final String PRIMARY = "192.168.100.110";
    private static final String SECONDARY = "192.168.100.120";

    private MergePacsPolicyDemo() {
    }

    /** Prints the timeline to standard output. */
    public static void main(String[] args) {
        run(System.out);
    }

    /** The seed's MergePACS service, as the appliance guide configures it for automatic failover. */
    static VirtualService seedService() {
        return VirtualService.directRouting()
                .label("PACS")
                .address("192.168.100.100")
                .ports(104, 80, 8080, 443, 8443, 5222, 1001)
                .real("PrimaryCluster", PRIMARY, r -> r.weight(100))
                .fallback(SECONDARY, f -> f.port(0).masquerade(true))
                .healthCheck(HealthCheck.connect().allPorts()
                        .interval(Duration.ofSeconds(30)).timeout(Duration.ofSeconds(5)).failAfter(10).riseAfter(1))
                .build();
    }

    /** Runs the timeline, printing to {@code out}; returns the events in order. */
    static List<LbEvent> run(PrintStream out) {
        long wallStart = System.nanoTime();
        // The control plane logs each event at INFO; the timeline below already shows them.
        if (System.getProperty("lb4j.log.level") == null) {
            // The appliance's logback.xml reads it (its root level) when the first logger is made.
            System.setProperty("lb4j.log.level", "warn");
        }
        try (LbTestKit kit = LbTestKit.create()) {
            LoadBalancer lb = kit.start(seedService());
            Instant t0 = kit.now();
            out.println("lb4j MergePACS failover policy in virtual time (test kit, simulated engine)");
            out.println("  health check: connect to all 7 ports every 30 s, timeout 5 s, 10 failures = down, 1 success = up");
            out.println();
            out.printf("%8s  %s%n", "t", "what happens / where a new client on port 104 goes");
            out.printf("%7ds  clients -> %s%n", 0, where(kit.connect(104)));
            kit.server(PRIMARY).fail();
            out.printf("%7ds  primary cluster %s stops answering on every port%n", 0, PRIMARY);
            int shown = kit.events().size();
            // Step through the checks: each 30 s one more failure, until the service fails over.
            while (kit.events(FailedOver.class).isEmpty() && kit.elapsed().compareTo(Duration.ofMinutes(10)) < 0) {
                kit.advance(Duration.ofSeconds(30));
                shown = printEvents(out, kit, t0, shown);
                InetSocketAddress to = kit.connect(104);
                out.printf("%7ds  clients -> %s%s%n", seconds(t0, kit.now()), where(to),
                        to.getAddress().getHostAddress().equals(PRIMARY) ? "   (the primary is dead, not yet failed over)" : "");
            }
            kit.advance(Duration.ofMinutes(1));
            kit.server(PRIMARY).recover();
            out.printf("%7ds  the primary cluster answers again%n", seconds(t0, kit.now()));
            kit.advanceUntil(() -> !kit.events(FailedBack.class).isEmpty(), Duration.ofMinutes(2));
            shown = printEvents(out, kit, t0, shown);
            out.printf("%7ds  clients -> %s%n", seconds(t0, kit.now()), where(kit.connect(104)));

            out.printf("%7ds  manual failover: the operator halts the primary%n", seconds(t0, kit.now()));
            lb.halt("PACS", "PrimaryCluster");
            shown = printEvents(out, kit, t0, shown);
            out.printf("%7ds  clients -> %s%n", seconds(t0, kit.now()), where(kit.connect(104)));
            lb.online("PACS", "PrimaryCluster");
            printEvents(out, kit, t0, shown);
            out.printf("%7ds  clients -> %s%n", seconds(t0, kit.now()), where(kit.connect(104)));
            out.println();
            FailedOver failover = kit.events(FailedOver.class).getFirst();
            out.printf("Automatic failover took %d s of balancer time (seed: \"after 5 minutes\"); this run took %d ms.%n",
                    seconds(t0, failover.at()), (System.nanoTime() - wallStart) / 1_000_000);
            return kit.events();
        }
    }

    private static int printEvents(PrintStream out, LbTestKit kit, Instant t0, int from) {
        List<LbEvent> events = kit.events();
        for (LbEvent e : events.subList(from, events.size())) {
            out.printf("%7ds  EVENT %s%n", seconds(t0, e.at()), StatusText.describe(e));
        }
        return events.size();
    }

    private static String where(InetSocketAddress target) {
        return target.getAddress().getHostAddress() + ":" + target.getPort()
                + (target.getAddress().getHostAddress().equals(PRIMARY) ? " (primary)" : " (secondary)");
    }

    private static long seconds(Instant t0, Instant at) {
        return Duration.between(t0, at).toSeconds();
    }
}
