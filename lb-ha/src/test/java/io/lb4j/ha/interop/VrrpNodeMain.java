package io.lb4j.ha.interop;

import io.lb4j.ha.HaPair;
import io.lb4j.ha.vip.InterfaceVipOwner;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.event.StateChanged;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One lb4j pair node for the namespace tests, run in a child JVM with {@code ip netns exec NS java ...}: prints
 * {@code STATE <to> <reason>} on every transition (the test timestamps the line when it reads it), and stops
 * gracefully (priority-0 advert) on the line {@code stop} or when its stdin closes (the test JVM died).
 *
 * <p>Arguments: {@code iface vrid priority advertMillis vip [nopreempt] [preemptDelayMillis=N]
 * [unicastPeer=IP]}.
 */
public final class VrrpNodeMain {

    private VrrpNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        String iface = args[0];
        VrrpInstance.Builder b = VrrpInstance.builder().networkInterface(iface).vrid(Integer.parseInt(args[1]))
                .priority(Integer.parseInt(args[2])).advertInterval(Duration.ofMillis(Long.parseLong(args[3])))
                .virtualAddress(args[4]);
        for (int i = 5; i < args.length; i++) {
            if (args[i].equals("nopreempt")) {
                b.preempt(false);
            } else if (args[i].startsWith("unicastPeer=")) {
                b.unicastPeer(args[i].substring("unicastPeer=".length()));
            } else if (args[i].startsWith("preemptDelayMillis=")) {
                b.preemptDelay(Duration.ofMillis(Long.parseLong(args[i].substring("preemptDelayMillis=".length()))));
            }
        }
        VrrpInstance vrrp = b.build();
        vrrp.subscribe(e -> {
            if (e instanceof StateChanged s) {
                System.out.println("STATE " + s.to() + " " + s.reason());
                System.out.flush();
            }
        });
        HaPair pair = HaPair.builder().vrrp(vrrp).vipOwner(InterfaceVipOwner.builder(iface).build()).build();
        pair.start();
        System.out.println("STARTED");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("stop")) {
            // wait for "stop" or EOF
        }
        pair.close();
        System.out.println("STOPPED " + vrrp.stats());
        System.out.flush();
    }
}
