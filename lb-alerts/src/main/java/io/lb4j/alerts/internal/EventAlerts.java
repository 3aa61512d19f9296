package io.lb4j.alerts.internal;

import io.lb4j.alerts.Alert;
import io.lb4j.alerts.Alert.Kind;
import io.lb4j.alerts.Alert.Severity;
import io.lb4j.api.RealServer;
import io.lb4j.api.VirtualService;
import io.lb4j.api.event.Draining;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.Halted;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.Online;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.event.RealServerUp;
import io.lb4j.api.event.Reconfigured;

import java.util.List;
import java.util.Optional;

/**
 * A balancer event as an alert. {@code Reconfigured} is not one: a change of configuration is audited where it is
 * made, and is no state to be woken for.
 */
public final class EventAlerts {

    private EventAlerts() {
    }

    /** The alert for {@code e}; {@code services} name the real servers' addresses. */
    public static Optional<Alert> of(LbEvent e, List<VirtualService> services) {
        return Optional.ofNullable(switch (e) {
            case FailedOver f -> new Alert(f.at(), Kind.SERVICE, f.service(), "FAILED_OVER", Severity.CRITICAL,
                    "Service " + f.service() + " failed over: no real server takes new connections; "
                            + ("none".equals(f.fallback()) ? "they are refused" : "they go to the fallback "
                            + f.fallback()) + " (" + f.reason() + ")");
            case FailedBack b -> new Alert(b.at(), Kind.SERVICE, b.service(), "FAILED_BACK", Severity.NOTICE,
                    "Service " + b.service() + " failed back to " + String.join(", ", b.realServers()));
            case RealServerDown d -> new Alert(d.at(), Kind.REAL_SERVER, d.service() + "/" + d.realServer(), "DOWN",
                    Severity.WARNING, "Real server " + where(services, d.service(), d.realServer()) + " of service "
                    + d.service() + " is down: " + d.reason());
            case RealServerUp u -> new Alert(u.at(), Kind.REAL_SERVER, u.service() + "/" + u.realServer(), "UP",
                    Severity.NOTICE, "Real server " + where(services, u.service(), u.realServer()) + " of service "
                    + u.service() + " is up again");
            case Halted h -> new Alert(h.at(), Kind.REAL_SERVER, h.service() + "/" + h.realServer(), "HALTED",
                    Severity.INFO, "Real server " + where(services, h.service(), h.realServer()) + " of service "
                    + h.service() + " was halted by an operator");
            case Draining d -> new Alert(d.at(), Kind.REAL_SERVER, d.service() + "/" + d.realServer(), "DRAINING",
                    Severity.INFO, "Real server " + where(services, d.service(), d.realServer()) + " of service "
                    + d.service() + " is draining: no new connections, established ones finish");
            case Online o -> new Alert(o.at(), Kind.REAL_SERVER, o.service() + "/" + o.realServer(), "ONLINE",
                    Severity.INFO, "Real server " + where(services, o.service(), o.realServer()) + " of service "
                    + o.service() + " was brought online by an operator");
            case Reconfigured r -> null;
        });
    }

    /** {@code Primary (10.0.0.5:104)}, or the label alone when the service no longer has it. */
    private static String where(List<VirtualService> services, String service, String realServer) {
        for (VirtualService s : services) {
            if (s.label().equals(service)) {
                for (RealServer r : s.realServers()) {
                    if (r.label().equals(realServer)) {
                        return realServer + " (" + r.address().getHostAddress()
                                + (r.port() == 0 ? "" : ":" + r.port()) + ")";
                    }
                }
            }
        }
        return realServer;
    }
}
