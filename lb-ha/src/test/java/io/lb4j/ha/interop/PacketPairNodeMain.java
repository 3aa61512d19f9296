package io.lb4j.ha.interop;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Scheduler;
import io.lb4j.api.VirtualService;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.ha.flowsync.FlowSync;
import io.lb4j.ha.HaPair;
import io.lb4j.ha.vip.PacketEngineVipOwner;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.ha.vrrp.event.StateChanged;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One node of a packet-engine pair for the namespace tests, in a child JVM started with {@code ip netns exec}: a
 * direct-routing service on the VIP (round robin over two real servers, so the flow table decides where an
 * established connection goes), a {@link PacketEngine} that answers ARP only as master ({@link PacketEngineVipOwner}),
 * VRRP over the VIP and a floating gateway (the MASQ fallback's default route), and {@link FlowSync} to the peer.
 * Prints {@code STATE <to> <reason>} on every transition; answers {@code stats} and {@code drain} (both real
 * servers: the service fails over to the fallback, established connections stay) with one {@code OK ...} line;
 * stops gracefully on {@code stop} or when stdin closes.
 *
 * <p>Arguments: {@code iface priority advertMillis vip self peer real1 real2 port...}.
 */
public final class PacketPairNodeMain {

    static final int SYNC_PORT = 7791;
    static final String FALLBACK = "10.77.0.120";
    static final String GATEWAY = "10.77.0.99";
    static final byte[] SECRET = "lb4j pair test secret, 32 bytes!".getBytes(StandardCharsets.US_ASCII);

    private PacketPairNodeMain() {
    }

    public static void main(String[] args) throws Exception {
        String iface = args[0];
        int priority = Integer.parseInt(args[1]);
        int advertMillis = Integer.parseInt(args[2]);
        String vip = args[3];
        String self = args[4];
        String peer = args[5];
        int[] ports = new int[args.length - 8];
        for (int i = 8; i < args.length; i++) {
            ports[i - 8] = Integer.parseInt(args[i]);
        }
        VirtualService pacs = VirtualService.directRouting().label("PACS").address(vip).ports(ports)
                .scheduler(Scheduler.roundRobin())
                .real("R1", args[6]).real("R2", args[7])
                .fallback(FALLBACK, f -> f.masquerade(true))
                .healthCheck(HealthCheck.none().build())
                .build();
        PacketEngine engine = HaPair.packetEngine(PacketEngine.builder(iface).flowCapacity(4096));
        LoadBalancer lb = LoadBalancer.builder().engine(engine).service(pacs).build();
        VrrpInstance vrrp = VrrpInstance.builder().networkInterface(iface).vrid(52).priority(priority)
                .advertInterval(Duration.ofMillis(advertMillis)).virtualAddress(vip).virtualAddress(GATEWAY).build();
        vrrp.subscribe(e -> {
            if (e instanceof StateChanged s) {
                System.out.println("STATE " + s.to() + " " + s.reason());
                System.out.flush();
            }
        });
        HaPair pair = HaPair.builder().loadBalancer(lb).vrrp(vrrp).vipOwner(PacketEngineVipOwner.of(engine)).build();
        pair.start();
        FlowSync sync = FlowSync.builder(engine).listen(new InetSocketAddress(self, SYNC_PORT))
                .peer(new InetSocketAddress(peer, SYNC_PORT)).secret(SECRET).build().start();
        System.out.println("STARTED");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("stop")) {
            if (line.equals("drain")) {
                lb.drain("PACS", "R1");
                lb.drain("PACS", "R2");
                System.out.println("OK drained, onFallback=" + lb.status().service("PACS").onFallback());
                System.out.flush();
            } else if (line.equals("stats")) {
                PacketEngine.Stats s = engine.stats();
                System.out.println("OK liveFlows=" + s.liveFlows() + " syncApplied=" + s.flowSyncApplied()
                        + " syncRejected=" + s.flowSyncRejected() + " sent=" + sync.sent() + " received="
                        + sync.received() + " rejected=" + sync.rejected() + " connections=" + sync.connections()
                        + " noFlow=" + s.noFlow() + " forwarded=" + s.forwardedDirect() + " garps="
                        + s.gratuitousArpsSent() + " arpReplies=" + s.arpRepliesSent());
                System.out.flush();
            }
        }
        pair.close();
        sync.close();
        System.out.println("STOPPED");
        System.out.flush();
    }
}
