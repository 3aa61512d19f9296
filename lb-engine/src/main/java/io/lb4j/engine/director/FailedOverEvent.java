package io.lb4j.engine.director;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * JFR event {@code io.lb4j.FailedOver}: a service moved its new connections to its fallback, the moment the director
 * published {@link io.lb4j.api.event.FailedOver}. Costs a field check when no recording asks for it.
 */
@Name("io.lb4j.FailedOver")
@Label("Failed Over")
@Category({"lb4j", "Failover"})
@Description("A service moved new connections to its fallback")
final class FailedOverEvent extends jdk.jfr.Event {

    @Label("Service")
    String service;

    @Label("Fallback")
    @Description("The fallback's address, or none")
    String fallback;

    @Label("Reason")
    String reason;
}
