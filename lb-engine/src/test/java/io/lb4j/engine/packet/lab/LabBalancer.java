package io.lb4j.engine.packet.lab;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.engine.packet.TestEngines;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * The balancer host of the namespace lab: a {@link LoadBalancer} on a {@link PacketEngine}, run in the balancer's
 * namespace (the AF_PACKET socket belongs to the namespace of the process that opens it). Usage:
 * {@code LabBalancer IFACE VIP PRIMARY SECONDARY CHECK_PORT PORT...}; a CHECK_PORT of 0 means no health check
 * (manual failover only), otherwise a connect check on that port every 250 ms, failing after 3.
 * Commands on stdin: {@code halt}, {@code online}, {@code status}, {@code stats}; each answers one line.
 * {@code -Dlb4j.lab.vnetHeaders=false} runs the engine without the kernel's offload metadata (software segmentation).
 */
public final class LabBalancer {

    public static void main(String[] args) throws Exception {
        String iface = args[0];
        int checkPort = Integer.parseInt(args[4]);
        int[] ports = Arrays.stream(args, 5, args.length).mapToInt(Integer::parseInt).toArray();
        HealthCheck check = checkPort == 0 ? HealthCheck.none().build()
                : HealthCheck.connect().ports(checkPort).interval(Duration.ofMillis(250))
                        .timeout(Duration.ofMillis(200)).failAfter(3).riseAfter(1).build();
        VirtualService pacs = VirtualService.directRouting().label("PACS").address(args[1]).ports(ports)
                .real("PrimaryCluster", args[2])
                .fallback(args[3], f -> f.masquerade(true))
                .healthCheck(check)
                .build();
        PacketEngine.Builder builder = PacketEngine.builder(iface).flowCapacity(4096);
        if (!Boolean.parseBoolean(System.getProperty("lb4j.lab.vnetHeaders", "true"))) {
            builder = TestEngines.withoutOffloadMetadata(builder);
        }
        PacketEngine engine = builder.build();
        LoadBalancer lb = LoadBalancer.builder().engine(engine).service(pacs).build();
        lb.start();
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            switch (line.trim()) {
                case "halt" -> {
                    lb.halt("PACS", "PrimaryCluster");
                    System.out.println("OK halted");
                }
                case "online" -> {
                    lb.online("PACS", "PrimaryCluster");
                    System.out.println("OK online");
                }
                case "status" -> {
                    var s = lb.status().service("PACS");
                    var primary = s.realServer("PrimaryCluster");
                    System.out.println("OK onFallback=" + s.onFallback() + " primary=" + primary.state()
                            + " connections=" + primary.activeConnections());
                }
                case "stats" -> System.out.println("OK " + engine.stats());
                case "bytes" -> {
                    var primary = lb.status().service("PACS").realServer("PrimaryCluster");
                    System.out.println("OK toServer=" + primary.bytesToServer() + " toClient="
                            + primary.bytesToClient());
                }
                default -> System.out.println("FAIL unknown command " + line);
            }
            System.out.flush();
        }
        lb.stop(Duration.ZERO);
    }
}
