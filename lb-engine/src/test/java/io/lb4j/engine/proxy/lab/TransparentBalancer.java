package io.lb4j.engine.proxy.lab;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.ProxyProtocol;
import io.lb4j.api.VirtualService;
import io.lb4j.engine.proxy.ProxyEngine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The balancer host of the proxy engine's client-address lab: a {@link LoadBalancer} on a {@link ProxyEngine} with
 * the epoll transport and one service {@code PACS} that keeps the client's address, run in the balancer's namespace.
 * Usage: {@code TransparentBalancer VIP PORT REAL_SERVER [none|v2]}. Prints {@code READY} once started, or
 * {@code FAILED <message of each cause>} on one line and exits 1 when the start is refused. Commands on stdin:
 * {@code stats}, answered on one line.
 */
public final class TransparentBalancer {

    public static void main(String[] args) throws Exception {
        VirtualService pacs = VirtualService.proxy().label("PACS").address(args[0])
                .ports(Integer.parseInt(args[1]))
                .real("PrimaryCluster", args[2])
                .preserveClientAddress(true)
                .proxyProtocol(ProxyProtocol.fromConfigName(args.length > 3 ? args[3] : "none"))
                .healthCheck(HealthCheck.none())
                .build();
        ProxyEngine engine = ProxyEngine.builder().ioThreads(1).build(); // AUTO: io_uring or epoll here
        LoadBalancer lb = LoadBalancer.builder().engine(engine).service(pacs).build();
        try {
            lb.start();
        } catch (RuntimeException e) {
            StringBuilder causes = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                causes.append(causes.isEmpty() ? "" : " <- ").append(t.getMessage());
            }
            System.out.println("FAILED " + causes.toString().replace('\n', ' '));
            System.out.flush();
            System.exit(1);
        }
        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            System.out.println(line.trim().equals("stats") ? "OK " + engine.stats() : "FAIL unknown command " + line);
            System.out.flush();
        }
        lb.stop(Duration.ZERO);
    }
}
