package io.lb4j.snmp;

import io.lb4j.api.RealServerState;
import io.lb4j.api.event.FailedBack;
import io.lb4j.api.event.FailedOver;
import io.lb4j.api.event.LbEvent;
import io.lb4j.api.event.RealServerDown;
import io.lb4j.api.event.RealServerUp;
import io.lb4j.api.status.BalancerStatus;
import io.lb4j.api.status.RealServerStatus;
import io.lb4j.api.status.ServiceStatus;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * LB4J-MIB in code: the object identifiers of {@code src/main/mib/LB4J-MIB.txt} and how a {@link BalancerStatus}
 * and an event become its rows and notifications. The numbers here and in the MIB file must agree; the tests walk
 * the agent through snmpd with the MIB loaded and compare names.
 */
final class Lb4jMib {

    /** {@code lb4jMIB}: enterprises.32473 (RFC 5612, documentation) .4, until lb4j has its own PEN. */
    static final Oid ROOT = Oid.parse("1.3.6.1.4.1.32473.4");
    static final Oid NOTIFICATIONS = ROOT.append(0);
    static final Oid OBJECTS = ROOT.append(1);
    static final Oid SERVICE_ENTRY = OBJECTS.append(1, 1);
    static final Oid REAL_SERVER_ENTRY = OBJECTS.append(2, 1);
    static final Oid NODE = OBJECTS.append(3);
    static final Oid NOTIFY_OBJECTS = OBJECTS.append(4);

    static final Oid NODE_VRRP_STATE = NODE.append(1);
    static final Oid NODE_RUNNING = NODE.append(2);

    static final Oid NOTIFY_SERVICE_NAME = NOTIFY_OBJECTS.append(1);
    static final Oid NOTIFY_REAL_SERVER_NAME = NOTIFY_OBJECTS.append(2);
    static final Oid NOTIFY_REASON = NOTIFY_OBJECTS.append(3);
    static final Oid NOTIFY_VRRP_PREVIOUS_STATE = NOTIFY_OBJECTS.append(4);

    static final Oid FAILOVER = NOTIFICATIONS.append(1);
    static final Oid FAILBACK = NOTIFICATIONS.append(2);
    static final Oid REAL_SERVER_DOWN = NOTIFICATIONS.append(3);
    static final Oid REAL_SERVER_UP = NOTIFICATIONS.append(4);
    static final Oid VRRP_STATE_CHANGE = NOTIFICATIONS.append(5);

    /** SNMPv2-MIB's snmpTrapOID.0, the first binding of every notification after sysUpTime.0. */
    static final Oid SNMP_TRAP_OID = Oid.parse("1.3.6.1.6.3.1.1.4.1.0");

    private static final int TRUE = 1;
    private static final int FALSE = 2;

    private Lb4jMib() {
    }

    /** Every object instance LB4J-MIB has for this status and VRRP state, in walk order. */
    static NavigableMap<Oid, Varbind> instances(BalancerStatus status, VrrpRole vrrp) {
        NavigableMap<Oid, Varbind> view = new TreeMap<>();
        List<ServiceStatus> services = status.services();
        for (int s = 0; s < services.size(); s++) {
            ServiceStatus service = services.get(s);
            int si = s + 1;
            int connections = service.fallbackActiveConnections()
                    + service.realServers().stream().mapToInt(RealServerStatus::activeConnections).sum();
            put(view, Varbind.text(column(SERVICE_ENTRY, 2, si), service.label()));
            put(view, Varbind.text(column(SERVICE_ENTRY, 3, si), text(service.address())));
            put(view, Varbind.text(column(SERVICE_ENTRY, 4, si), service.ports().stream().map(String::valueOf)
                    .collect(Collectors.joining(","))));
            put(view, Varbind.integer(column(SERVICE_ENTRY, 5, si), switch (service.protocol()) {
                case TCP -> 1;
                case UDP -> 2;
            }));
            put(view, Varbind.integer(column(SERVICE_ENTRY, 6, si), switch (service.method()) {
                case DIRECT_ROUTING -> 1;
                case NAT -> 2;
                case TUNNEL -> 3;
                case PROXY -> 4;
            }));
            put(view, Varbind.integer(column(SERVICE_ENTRY, 7, si), serviceState(service)));
            put(view, Varbind.integer(column(SERVICE_ENTRY, 8, si), service.onFallback() ? TRUE : FALSE));
            put(view, Varbind.gauge(column(SERVICE_ENTRY, 9, si), connections));
            put(view, Varbind.text(column(SERVICE_ENTRY, 10, si),
                    service.fallbackAddress() == null ? "" : text(service.fallbackAddress())));
            put(view, Varbind.gauge(column(SERVICE_ENTRY, 11, si), service.fallbackActiveConnections()));
            List<RealServerStatus> reals = service.realServers();
            for (int r = 0; r < reals.size(); r++) {
                RealServerStatus real = reals.get(r);
                int ri = r + 1;
                put(view, Varbind.text(column(REAL_SERVER_ENTRY, 2, si, ri), real.label()));
                put(view, Varbind.text(column(REAL_SERVER_ENTRY, 3, si, ri), service.label()));
                put(view, Varbind.text(column(REAL_SERVER_ENTRY, 4, si, ri), text(real.address())));
                put(view, Varbind.gauge(column(REAL_SERVER_ENTRY, 5, si, ri), real.port()));
                put(view, Varbind.integer(column(REAL_SERVER_ENTRY, 6, si, ri), switch (real.state()) {
                    case UP -> 1;
                    case DOWN -> 2;
                    case DRAINING -> 3;
                    case HALTED -> 4;
                }));
                put(view, Varbind.gauge(column(REAL_SERVER_ENTRY, 7, si, ri), real.weight()));
                put(view, Varbind.gauge(column(REAL_SERVER_ENTRY, 8, si, ri), real.effectiveWeight()));
                put(view, Varbind.gauge(column(REAL_SERVER_ENTRY, 9, si, ri), real.activeConnections()));
                put(view, Varbind.counter64(column(REAL_SERVER_ENTRY, 10, si, ri), real.totalConnections()));
                put(view, Varbind.text(column(REAL_SERVER_ENTRY, 11, si, ri),
                        real.lastCheck() == null ? "" : real.lastCheck()));
                put(view, Varbind.counter64(column(REAL_SERVER_ENTRY, 12, si, ri), real.bytesToServer()));
                put(view, Varbind.counter64(column(REAL_SERVER_ENTRY, 13, si, ri), real.bytesToClient()));
            }
        }
        put(view, Varbind.integer(NODE_VRRP_STATE.append(0), vrrp.mibValue()));
        put(view, Varbind.integer(NODE_RUNNING.append(0), status.running() ? TRUE : FALSE));
        return view;
    }

    /**
     * Whether {@code name} lies under an object LB4J-MIB defines (a column or scalar), so that a Get of an instance
     * that does not exist answers noSuchInstance rather than noSuchObject.
     */
    static boolean isUnderObject(Oid name) {
        return isUnder(name, SERVICE_ENTRY, 2, 11) || isUnder(name, REAL_SERVER_ENTRY, 2, 13)
                || isUnder(name, NODE, 1, 2);
    }

    private static boolean isUnder(Oid name, Oid parent, int first, int last) {
        if (!name.startsWith(parent) || name.length() <= parent.length() + 1) {
            return false;
        }
        int object = name.get(parent.length());
        return object >= first && object <= last;
    }

    /** The notification for an event, or empty for the events LB4J-MIB has none for (Halted, Reconfigured...). */
    static Optional<List<Varbind>> notification(LbEvent event) {
        return switch (event) {
            case FailedOver e -> Optional.of(List.of(trap(FAILOVER),
                    Varbind.text(NOTIFY_SERVICE_NAME.append(0), e.service()),
                    Varbind.text(NOTIFY_REASON.append(0), "to " + e.fallback() + ": " + e.reason())));
            case FailedBack e -> Optional.of(List.of(trap(FAILBACK),
                    Varbind.text(NOTIFY_SERVICE_NAME.append(0), e.service()),
                    Varbind.text(NOTIFY_REAL_SERVER_NAME.append(0), String.join(",", e.realServers()))));
            case RealServerDown e -> Optional.of(List.of(trap(REAL_SERVER_DOWN),
                    Varbind.text(NOTIFY_SERVICE_NAME.append(0), e.service()),
                    Varbind.text(NOTIFY_REAL_SERVER_NAME.append(0), e.realServer()),
                    Varbind.text(NOTIFY_REASON.append(0), e.reason())));
            case RealServerUp e -> Optional.of(List.of(trap(REAL_SERVER_UP),
                    Varbind.text(NOTIFY_SERVICE_NAME.append(0), e.service()),
                    Varbind.text(NOTIFY_REAL_SERVER_NAME.append(0), e.realServer())));
            default -> Optional.empty();
        };
    }

    static List<Varbind> vrrpNotification(VrrpRole from, VrrpRole to) {
        List<Varbind> varbinds = new ArrayList<>();
        varbinds.add(trap(VRRP_STATE_CHANGE));
        varbinds.add(Varbind.integer(NODE_VRRP_STATE.append(0), to.mibValue()));
        varbinds.add(Varbind.integer(NOTIFY_VRRP_PREVIOUS_STATE.append(0), from.mibValue()));
        return varbinds;
    }

    private static Varbind trap(Oid notification) {
        return Varbind.oid(SNMP_TRAP_OID, notification);
    }

    /** serving(1) while a real server takes new connections, else onFallback(2) or noBackend(3). */
    private static int serviceState(ServiceStatus service) {
        boolean serving = service.realServers().stream().anyMatch(r -> r.state() == RealServerState.UP);
        if (serving && !service.onFallback()) {
            return 1;
        }
        return service.onFallback() ? 2 : 3;
    }

    private static Oid column(Oid entry, int column, int... index) {
        return entry.append(column).append(index);
    }

    private static void put(NavigableMap<Oid, Varbind> view, Varbind varbind) {
        view.put(varbind.name(), varbind);
    }

    private static String text(InetAddress address) {
        return address.getHostAddress();
    }
}
