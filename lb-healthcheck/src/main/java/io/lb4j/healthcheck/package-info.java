/**
 * Health checks: the {@link io.lb4j.healthcheck.HealthMonitor} that turns attempts at a fixed rate into up and down
 * transitions with {@code failAfter} / {@code riseAfter}, and the strategies that run each probe of
 * {@link io.lb4j.api.check} ({@code connect} and composite checks here, the protocol checks in the sub-packages).
 * Every strategy is found through {@link java.util.ServiceLoader} and reports any failure as a
 * {@link io.lb4j.api.check.CheckResult} whose reason an operator can read, never as an exception; the network checks
 * share one small non-blocking event loop, no thread per check.
 */
package io.lb4j.healthcheck;
