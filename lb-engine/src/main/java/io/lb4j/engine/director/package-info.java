/**
 * The control plane: turns service specs, health results, operator commands (halt, drain, online) and the clock into
 * one immutable {@link io.lb4j.api.spi.RoutingTable} per service and a stream of timestamped events. Every change
 * happens under the director's one lock and reaches the engine as a new routing table, never as an edit of the old
 * one, so engines read routing tables lock-free and never see half a change. {@link io.lb4j.engine.director.DirectorProvider} is what
 * {@code LoadBalancer.builder()} finds through {@link java.util.ServiceLoader}; everything else is package-private.
 */
package io.lb4j.engine.director;
