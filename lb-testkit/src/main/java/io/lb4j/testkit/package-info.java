/**
 * Test a balancer's failover policy in-process and in virtual time: {@link io.lb4j.testkit.LbTestKit} with a
 * {@link io.lb4j.testkit.VirtualClock}, a socket-free {@link io.lb4j.testkit.SimulatedEngine} that routes exactly as
 * the real engines do, and {@link io.lb4j.testkit.FakeServer} hosts that the real health checks probe. The
 * {@link io.lb4j.testkit.FailoverConformanceSuite} states the appliance guide's failover promises once and runs them
 * against every engine.
 */
package io.lb4j.testkit;
