/**
 * The one mapping between lb4j's model and a configuration tree: the appliance's YAML file, the admin API's JSON and
 * HA replication all read and write services through {@code io.lb4j.config}, so one mistake gets one message, with
 * its location. The tree mapping's internals are not exported.
 */
module io.lb4j.config {
    requires transitive io.lb4j.api;
    requires com.fasterxml.jackson.core;
    requires com.fasterxml.jackson.dataformat.yaml;

    exports io.lb4j.config;
}
