/**
 * How services map to a tree, key by key: {@code ServiceTree} (services, real servers, fallback, failback),
 * {@code HealthCheckMapping} and {@code ProbeMapping} (checks and probes, {@code all-of} included), {@code IntLists}
 * (ports and statuses with ranges), {@code Locator} (a builder's message to the node it is about) and
 * {@code Vocabulary} (the keys and type names). Not API: use {@link io.lb4j.config.ServiceMapping}.
 */
package io.lb4j.config.internal;
