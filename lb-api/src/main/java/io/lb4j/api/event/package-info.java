/**
 * Events a balancer publishes, each stamped with the balancer's clock: health transitions
 * ({@link io.lb4j.api.event.RealServerDown}, {@link io.lb4j.api.event.RealServerUp}), operator commands
 * ({@link io.lb4j.api.event.Halted}, {@link io.lb4j.api.event.Draining}, {@link io.lb4j.api.event.Online}),
 * routing changes ({@link io.lb4j.api.event.FailedOver}, {@link io.lb4j.api.event.FailedBack}) and
 * {@link io.lb4j.api.event.Reconfigured}. Events caused by one command or check share its instant, and are
 * published cause first.
 */
package io.lb4j.api.event;
