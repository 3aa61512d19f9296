package io.lb4j.engine.director;

import io.lb4j.testkit.ConformanceEnvironment;
import io.lb4j.testkit.FailoverConformanceSuite;
import io.lb4j.testkit.SimulatedEnvironment;

/** The failover scenarios on the simulated engine, in virtual time with the seed's real 30 s interval. */
class SimulatedEngineConformanceTest extends FailoverConformanceSuite {

    @Override
    protected ConformanceEnvironment newEnvironment() {
        return new SimulatedEnvironment();
    }
}
