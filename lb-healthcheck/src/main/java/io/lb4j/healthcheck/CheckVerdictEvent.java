package io.lb4j.healthcheck;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * JFR event {@code io.lb4j.CheckVerdict}: one finished health-check attempt of one real server, with its verdict and
 * how long it took; {@code transition} says whether it changed the server's state ({@code down}, {@code up}) or not
 * (empty). One per attempt, so a recording shows every check's latency, not only the ones that failed a server over.
 */
@Name("io.lb4j.CheckVerdict")
@Label("Check Verdict")
@Category({"lb4j", "Health Check"})
@Description("A health-check attempt's verdict and duration")
final class CheckVerdictEvent extends jdk.jfr.Event {

    @Label("Service")
    String service;

    @Label("Real Server")
    String realServer;

    @Label("Check")
    @Description("The probe type: connect, http, https, dicomEcho, hl7, external, ...")
    String check;

    @Label("Verdict")
    @Description("ok, or why the attempt failed")
    String verdict;

    @Label("Healthy")
    boolean healthy;

    @Label("Transition")
    @Description("down or up when this attempt changed the server's state, else empty")
    String transition;

    @Label("Attempt Duration")
    @Timespan(Timespan.NANOSECONDS)
    long attemptDuration;
}
