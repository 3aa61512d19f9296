/**
 * The built-in {@link io.lb4j.api.Scheduler}s: round robin, weighted round robin, least connections, weighted least
 * connections, source hash and Maglev. Not part of the public API: users reach them through the factories on
 * {@code Scheduler}, and only {@link io.lb4j.api.internal.scheduler.Schedulers} is visible outside this package.
 *
 * <p>Every scheduler here is an immutable value (a record) with value equality, so {@code reconfigure} can tell an
 * unchanged service from a changed one. Every selector is thread-safe, allocates nothing per call, skips backends
 * that are not {@link io.lb4j.api.spi.Backend#available() available} and returns {@code null} when none is.
 */
package io.lb4j.api.internal.scheduler;
