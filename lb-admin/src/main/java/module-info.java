/**
 * lb4j's admin server: a JSON REST API, the System Overview page and Micrometer meters for one
 * {@code LoadBalancer}, over the JDK's HTTPS server. With module {@code micrometer.registry.prometheus} in the module
 * graph (e.g. {@code --add-modules micrometer.registry.prometheus}) {@code /metrics} serves the Prometheus text format.
 */
// Micrometer's jars have no module descriptor (automatic modules named in their manifests), yet MeterRegistry is part
// of AdminServer's API.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.lb4j.admin {
    requires transitive io.lb4j.api;
    // SecretFile for the key store password file; the services document of GET/PUT /api/config.
    requires io.lb4j.config;
    requires transitive micrometer.core;
    requires static micrometer.registry.prometheus;
    requires jdk.httpserver;
    requires org.slf4j;
    requires com.fasterxml.jackson.databind;

    exports io.lb4j.admin;
}
