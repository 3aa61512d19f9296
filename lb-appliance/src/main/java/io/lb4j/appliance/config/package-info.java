/**
 * The appliance's configuration file: {@link io.lb4j.appliance.config.ConfigLoader} reads YAML into an
 * {@link io.lb4j.appliance.config.ApplianceConfig}: the engine, the {@link io.lb4j.api.VirtualService}s (read by
 * lb-config's {@link io.lb4j.config.ServiceMapping}, the mapping the admin API and HA replication share), and the
 * optional {@code admin:} and {@code ha:} sections; or it throws an {@link io.lb4j.config.ConfigException} that says
 * {@code file:line:column}.
 */
package io.lb4j.appliance.config;
