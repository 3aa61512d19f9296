package io.lb4j.engine.director;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR event {@code io.lb4j.FailedBack}: a service moved its new connections back from its fallback to real servers,
 * the moment the director published {@link io.lb4j.api.event.FailedBack}.
 */
@Name("io.lb4j.FailedBack")
@Label("Failed Back")
@Category({"lb4j", "Failover"})
@Description("A service moved new connections back from its fallback to its real servers")
final class FailedBackEvent extends jdk.jfr.Event {

    @Label("Service")
    String service;

    @Label("Real Servers")
    @Description("The real servers that take new connections again, comma-separated")
    String realServers;
}
