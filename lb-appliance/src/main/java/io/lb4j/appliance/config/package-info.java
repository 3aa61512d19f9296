/**
 * The appliance's configuration file: {@link io.lb4j.appliance.config.ConfigLoader} reads YAML into an
 * {@link io.lb4j.appliance.config.ApplianceConfig} (engine plus {@link io.lb4j.api.VirtualService}s built by the API's
 * own builders, and the optional {@code admin:} and {@code ha:} sections) or throws a {@link io.lb4j.appliance.config.ConfigException} that says {@code file:line:column}.
 */
package io.lb4j.appliance.config;
