/**
 * The lb4j appliance: {@code java -jar lb4j-appliance.jar --config FILE}, its YAML file, its command line and the
 * clustered node. Exports the entry point and the text rendering the demos share; the file's loader
 * ({@code io.lb4j.appliance.config}) is not exported.
 *
 * <p>On the module path (DIR holds lb4j's jars and their dependencies):
 * <pre>{@code
 * java --enable-native-access=io.lb4j.linux -p DIR -m io.lb4j.appliance/io.lb4j.appliance.Appliance --config FILE
 * }</pre>
 * The executable jar runs on the class path and grants itself native access in its manifest.
 */
// micrometer-registry-prometheus has no module descriptor (an automatic module named in its manifest).
@SuppressWarnings("requires-automatic")
module io.lb4j.appliance {
    // StatusText renders io.lb4j.api's events and status.
    requires transitive io.lb4j.api;
    requires io.lb4j.engine;
    requires io.lb4j.admin;
    requires io.lb4j.ha;
    // The snmp: section.
    requires io.lb4j.snmp;
    requires io.lb4j.config;
    // alerts: (AlertsConfig), and the RFC 5424 codec of the syslog appender (io.lb4j.alerts.syslog).
    requires io.lb4j.alerts;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;
    // The admin server's /metrics in the Prometheus format.
    requires micrometer.registry.prometheus;
    // sun.misc.Signal: SIGHUP reloads the file, SIGTERM drains.
    requires jdk.unsupported;
    // The logging back end: /etc/lb4j/logback.xml and the RFC 5424 syslog appender (io.lb4j.appliance.logging).
    requires ch.qos.logback.classic;
    requires ch.qos.logback.core;

    exports io.lb4j.appliance;
    // Logback's configuration files instantiate the appender by class name.
    exports io.lb4j.appliance.logging to ch.qos.logback.core, ch.qos.logback.classic;

    provides ch.qos.logback.classic.spi.Configurator with io.lb4j.appliance.logging.EtcLogbackConfigurator;
}
