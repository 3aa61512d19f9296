/**
 * The one mapping between lb4j's model and a configuration tree, used by the appliance's YAML file, the admin API's
 * JSON and HA replication: {@link io.lb4j.config.ConfigNode} (a tree whose nodes know where they were written, with
 * the readers every section uses), {@link io.lb4j.config.ServiceMapping} (services to and from a tree),
 * {@link io.lb4j.config.ConfigException} ({@code location: problem}) and {@link io.lb4j.config.Durations}. The format
 * is described in {@code lb-config/README-config.md}.
 */
package io.lb4j.config;
