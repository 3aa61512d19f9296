/**
 * lb4j's demos: the MergePACS demo live on loopback and the appliance guide's policy in virtual time. Runnable
 * programs, not an API: nothing is exported.
 */
module io.lb4j.examples {
    requires io.lb4j.api;
    requires io.lb4j.engine;
    requires io.lb4j.healthcheck;
    requires io.lb4j.appliance;
    requires io.lb4j.testkit;
}
