/**
 * lb4j's test kit: {@link io.lb4j.testkit.LbTestKit} (virtual clock, simulated engine, fake servers) to test a
 * failover policy in milliseconds, and {@link io.lb4j.testkit.FailoverConformanceSuite}, the appliance guide's
 * scenarios as a JUnit suite to subclass per engine. The control plane comes from {@code io.lb4j.engine} at run
 * time (found as a service).
 */
module io.lb4j.testkit {
    requires transitive io.lb4j.api;
    // The conformance suite is a JUnit 5 base class: its subclasses in a user's module are JUnit tests.
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;

    exports io.lb4j.testkit;
    // JUnit calls the suite's package-private lifecycle and test methods reflectively, from wherever it was loaded
    // (module path or class path).
    opens io.lb4j.testkit;
}
