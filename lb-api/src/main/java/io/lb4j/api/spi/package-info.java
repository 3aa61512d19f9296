/**
 * Service-provider interfaces: what an engine, a health-check strategy or a clock implements, and the immutable
 * {@link io.lb4j.api.spi.RoutingTable} snapshots through which the control plane tells engines where new
 * connections go. Users who only configure and run a balancer never need this package.
 */
package io.lb4j.api.spi;
