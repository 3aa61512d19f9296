package io.lb4j.appliance;

import io.lb4j.api.event.Draining;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.Halted;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.Online;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.event.RealServerUp;
import io.lb4j.api.event.Reconfigured;
import io.lb4j.api.internal.Addresses;
import io.lb4j.api.status.BalancerStatus;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.api.status.ServiceStatus;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** How the appliance and the demos show events and status to a person: one line per event, a fixed-width table. */
public final class StatusText {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private StatusText() {
    }

    /** {@code 2025-01-01T10:00:00.000Z PACS: ...}. */
    public static String event(LbEvent e) {
        return TIME.format(e.at()) + " " + describe(e);
    }

    /** What happened, without the time: the words an operator of the appliance would use. */
    public static String describe(LbEvent e) {
        return e.service() + ": " + switch (e) {
            case RealServerDown d -> "real server " + d.realServer() + " DOWN (" + d.reason() + ")";
            case RealServerUp u -> "real server " + u.realServer() + " UP";
            case FailedOver f -> "FAILED OVER to fallback " + f.fallback() + " (" + f.reason() + ")";
            case FailedBack b -> "FAILED BACK to " + String.join(", ", b.realServers());
            case Halted h -> "real server " + h.realServer() + " HALTED";
            case Draining d -> "real server " + d.realServer() + " DRAINING";
            case Online o -> "real server " + o.realServer() + " ONLINE";
            case Reconfigured r -> "service " + r.change();
        };
    }

    /** Every service and real server with state and connection counts, as a fixed-width table. */
    public static String table(BalancerStatus status) {
        StringBuilder sb = new StringBuilder();
        String format = "%-12s %-16s %-16s %-22s %-9s %7s %9s%n";
        sb.append(String.format(format, "service", "routing", "real server", "address", "state", "active", "total"));
        for (ServiceStatus s : status.services()) {
            String routing = s.onFallback() ? "FALLBACK" : "real servers";
            for (RealServerStatus r : s.realServers()) {
                sb.append(String.format(format, s.label(), routing, r.label(),
                        r.port() == 0 ? Addresses.text(r.address()) : Addresses.hostPort(r.address(), r.port()), r.state(),
                        r.activeConnections(), r.totalConnections()));
                routing = "";
            }
            if (s.fallbackAddress() != null) {
                sb.append(String.format(format, s.realServers().isEmpty() ? s.label() : "", routing, "(fallback)",
                        Addresses.text(s.fallbackAddress()), s.onFallback() ? "ACTIVE" : "standby",
                        s.fallbackActiveConnections(), "-"));
            }
        }
        return sb.toString();
    }

    /** A timestamp as the event lines show it. */
    public static String time(Instant at) {
        return TIME.format(at);
    }
}
