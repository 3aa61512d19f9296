/**
 * lb4j's health checks: the {@link io.lb4j.api.spi.HealthCheckStrategy} implementations (connect, HTTP(S), DICOM
 * C-ECHO and C-FIND (over DICOM TLS too), HL7 MLLP, negotiate, external script, composite) on one small Netty event loop, and the rise/fall monitor
 * the control plane drives. An embedder uses them through {@code HealthCheck} in {@code io.lb4j.api}; nothing here
 * is exported to other modules than the engine.
 *
 * <p>Strategies are services: a user module adds its own with
 * {@code provides io.lb4j.api.spi.HealthCheckStrategy with ...}. The {@code META-INF/services} file stays for
 * class-path users.
 */
// The qualified exports name a module that is built after this one: javac cannot see it yet ("module not found").
@SuppressWarnings("module")
module io.lb4j.healthcheck {
    requires io.lb4j.api;
    // The bare connect probe's socket (ConnectSocket).
    requires io.lb4j.linux;
    requires org.slf4j;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.codec.http;
    requires io.netty.common;
    requires io.netty.handler;
    requires io.netty.transport;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;
    // The io.lb4j.CheckVerdict flight-recorder event.
    requires jdk.jfr;

    // The monitor and the checks' event loop, for the control plane in io.lb4j.engine.
    exports io.lb4j.healthcheck to io.lb4j.engine;
    exports io.lb4j.healthcheck.net to io.lb4j.engine;
    // One DICOM PDU codec: the C-ECHO check here and the demo's C-ECHO SCP.
    exports io.lb4j.healthcheck.dicom.pdu to io.lb4j.examples;
    // One set of script rules: alerts' notify scripts run as check scripts do (ScriptRunner).
    exports io.lb4j.healthcheck.external to io.lb4j.alerts;

    // Strategies.all() and the composite check look up every strategy, including a user's own.
    uses io.lb4j.api.spi.HealthCheckStrategy;

    provides io.lb4j.api.spi.HealthCheckStrategy with
            io.lb4j.healthcheck.ConnectStrategy,
            io.lb4j.healthcheck.http.HttpStrategy,
            io.lb4j.healthcheck.dicom.DicomEchoStrategy,
            io.lb4j.healthcheck.dicom.DicomFindStrategy,
            io.lb4j.healthcheck.agent.AgentStrategy,
            io.lb4j.healthcheck.hl7.Hl7Strategy,
            io.lb4j.healthcheck.negotiate.NegotiateStrategy,
            io.lb4j.healthcheck.external.ExternalStrategy,
            io.lb4j.healthcheck.CompositeStrategy;
}
