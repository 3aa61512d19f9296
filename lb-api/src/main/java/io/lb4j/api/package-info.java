/**
 * lb4j's public model: what a user configures and what a running balancer offers.
 *
 * <h2>Configure</h2>
 * A {@link io.lb4j.api.VirtualService} is one VIP on one or more ports, built with
 * {@link io.lb4j.api.VirtualService#directRouting()}, {@link io.lb4j.api.VirtualService#nat() nat()},
 * {@link io.lb4j.api.VirtualService#tunnel() tunnel()} or {@link io.lb4j.api.VirtualService#proxy() proxy()}. It has
 * {@link io.lb4j.api.RealServer real servers} (the primary cluster), an optional {@link io.lb4j.api.Fallback} (the
 * secondary cluster), a {@link io.lb4j.api.HealthCheck}, a {@link io.lb4j.api.Scheduler}, optional persistence and a
 * {@link io.lb4j.api.FailbackPolicy}. Every spec is an immutable value; every builder checks its values in
 * {@code build()} and says which field is wrong, with the bad value and what is allowed.
 *
 * <p>The MergePACS appliance guide's service, with automatic failover after ten failed checks 30 s apart:
 * <pre>{@code
 * VirtualService pacs = VirtualService.directRouting()
 *     .label("PACS")
 *     .address("192.168.100.100")
 *     .ports(104, 80, 8080, 443, 8443, 5222, 1001)
 *     .real("PrimaryCluster", "192.168.100.110", r -> r.weight(100))
 *     .fallback("192.168.100.120", f -> f.port(0).masquerade(true))
 *     .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1))
 *     .build();
 * }</pre>
 * For manual failover use {@code HealthCheck.none()} and {@link io.lb4j.api.LoadBalancer#halt halt}.
 *
 * <h2>Run</h2>
 * {@link io.lb4j.api.LoadBalancer#builder()} puts services on a forwarding engine; the running
 * {@link io.lb4j.api.LoadBalancer} takes the operator's commands ({@code halt}, {@code drain}, {@code online}),
 * reports an immutable {@link io.lb4j.api.status.BalancerStatus}, publishes {@link io.lb4j.api.event.LbEvent events}
 * and accepts a new configuration with {@code reconfigure}. The control plane behind it lives in
 * {@code io.lb4j:lb-engine}.
 *
 * <h2>Extend</h2>
 * The SPIs in {@link io.lb4j.api.spi} let you bring your own forwarding engine, health-check strategy, clock or
 * scheduler. Packages named {@code internal} are not part of the API.
 */
package io.lb4j.api;
