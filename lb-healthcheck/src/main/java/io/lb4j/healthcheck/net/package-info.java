/**
 * The connection plumbing every network check shares: the check event loop ({@link io.lb4j.healthcheck.net.CheckTransport})
 * and its clock, one connection per attempt that is closed by the attempt's deadline whatever the peer does
 * ({@link io.lb4j.healthcheck.net.ProbeConnector}), a verdict decided exactly once
 * ({@link io.lb4j.healthcheck.net.ProbeHandler}), ports probed in parallel, and the short reasons operators read.
 * Not part of the public API: public only for the strategies in the other {@code io.lb4j.healthcheck} packages and
 * for lb-engine, whose control plane runs its checks on this loop.
 */
package io.lb4j.healthcheck.net;
