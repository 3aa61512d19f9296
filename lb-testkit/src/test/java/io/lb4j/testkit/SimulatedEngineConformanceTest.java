package io.lb4j.testkit;

/** The failover scenarios on the simulated engine, in virtual time with the seed's real 30 s interval. */
class SimulatedEngineConformanceTest extends FailoverConformanceSuite {

    @Override
    protected ConformanceEnvironment newEnvironment() {
        return new SimulatedEnvironment();
    }
}
