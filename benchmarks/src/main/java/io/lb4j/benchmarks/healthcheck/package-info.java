/**
 * The health-check comparison behind {@code benchmarks/healthcheck-vs-haproxy.sh}: lb4j {@code connect()} checks and
 * HAProxy's checks against the same loopback listeners, with CPU per check, start lateness and checks per second
 * measured the same way for both. {@link io.lb4j.benchmarks.healthcheck.HealthCheckBench} is the entry point.
 */
package io.lb4j.benchmarks.healthcheck;
