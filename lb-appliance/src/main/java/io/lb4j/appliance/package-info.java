/**
 * The product: {@link io.lb4j.appliance.Appliance} is the main class of {@code lb4j-appliance.jar}, which runs a
 * balancer from a YAML file (its syntax in {@code io.lb4j.appliance.config}) until SIGTERM, reloads it on SIGHUP
 * without dropping established connections, and with {@code ha:} runs as one node of a clustered pair. Exit status
 * 2 means a bad command line or file, with {@code file:line:column}; 1 means the balancer could not start.
 */
package io.lb4j.appliance;
