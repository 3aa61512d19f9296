package io.lb4j.benchmarks.ha;

import io.lb4j.ha.HaPair;
import io.lb4j.ha.vip.InterfaceVipOwner;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.event.StateChanged;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * One lb4j pair node for {@code benchmarks/ha-outage-vs-keepalived.sh}, run in a node's network namespace
 * ({@code ip netns exec NS java ...}): VRRP only, the VIP as a /32 on the interface via the public lb-ha API, exactly
 * as an application embedding lb4j would run it. Prints {@code STATE <to> <reason>} on every transition.
 *
 * <p>Stops gracefully (priority-0 advert, VIP released) on SIGTERM, from a signal handler: keepalived gets the same
 * signal in the benchmark, so the two systems are stopped the same way. SIGKILL leaves no chance to do anything,
 * as with keepalived.
 *
 * <p>Arguments: {@code iface vrid priority advertMillis vip}.
 */
public final class Lb4jHaNode {

    private Lb4jHaNode() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 5) {
            System.err.println("usage: Lb4jHaNode iface vrid priority advertMillis vip");
            System.exit(2);
        }
        String iface = args[0];
        VrrpInstance vrrp = VrrpInstance.builder()
                .networkInterface(iface)
                .vrid(Integer.parseInt(args[1]))
                .priority(Integer.parseInt(args[2]))
                .advertInterval(Duration.ofMillis(Long.parseLong(args[3])))
                .virtualAddress(args[4])
                .build();
        vrrp.subscribe(e -> {
            if (e instanceof StateChanged s) {
                System.out.println("STATE " + s.to() + " " + s.reason());
                System.out.flush();
            }
        });
        HaPair pair = HaPair.builder().vrrp(vrrp).vipOwner(InterfaceVipOwner.builder(iface).build()).build();
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM leaves the pair straight from the signal handler: the priority-0 advert goes out before the JVM's
        // shutdown machinery runs (a shutdown hook costs several milliseconds more, measured). The shutdown hook
        // still covers other ways out (SIGINT, System.exit).
        Runnable leave = () -> {
            pair.close(); // idempotent
            if (stopped.getCount() > 0) {
                System.out.println("STOPPED " + vrrp.stats());
                System.out.flush();
                stopped.countDown();
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(leave, "lb4j-ha-node-stop"));
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> {
            leave.run();
            System.exit(0);
        });
        pair.start();
        System.out.println("STARTED");
        System.out.flush();
        // Nothing else to do: the VRRP instance runs on its own threads until the shutdown hook closes it.
        stopped.await();
    }
}
