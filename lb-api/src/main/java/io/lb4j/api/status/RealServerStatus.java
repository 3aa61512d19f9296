package io.lb4j.api.status;

import io.lb4j.api.RealServerState;
import io.lb4j.api.check.PortCheck;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A real server at one instant.
 *
 * @param label             the server's label
 * @param address           its address
 * @param port              its port; 0 = the client's port
 * @param weight            its configured weight
 * @param state             its state
 * @param activeConnections connections open now
 * @param totalConnections  connections opened since it was added
 * @param lastCheck         the reason of the last health-check attempt ("ok" when it passed), or "" before any
 * @param effectiveWeight   the weight new connections are balanced by now: {@code weight}, or what a feedback agent
 *                          or dynamic script last reported ({@code HealthCheck.agent},
 *                          {@code ExternalProbe.dynamicWeight}), ramped up from 0 while the server is in its
 *                          {@code slowStart} after coming back
 * @param bytesToServer     bytes forwarded to the server since it was added (the proxy engine counts payload, the
 *                          packet engine IP packets; see {@link io.lb4j.api.spi.Backend#bytesToServer()})
 * @param bytesToClient     bytes forwarded from the server back to clients since it was added; 0 for the packet
 *                          engine's direct routing and tunnel flows, whose replies bypass the balancer
 * @param checkAttempts     health-check attempts finished since the server was added (passed, failed or timed out)
 * @param checkTime         the time those attempts took, summed (a timed-out attempt counts its timeout)
 * @param lastCheckPorts    each port's outcome and latency in the last attempt, when its check probes several
 *                          ports one by one ({@link io.lb4j.api.check.CheckResult#ports()}); empty otherwise and
 *                          before any attempt
 */
public record RealServerStatus(String label, InetAddress address, int port, int weight, RealServerState state,
                               int activeConnections, long totalConnections, String lastCheck, int effectiveWeight,
                               long bytesToServer, long bytesToClient, long checkAttempts, Duration checkTime,
                               List<PortCheck> lastCheckPorts) {

    /** Requires a check time; the port list is copied. */
    public RealServerStatus {
        Objects.requireNonNull(checkTime, "checkTime");
        lastCheckPorts = List.copyOf(lastCheckPorts);
    }

    /** A server whose last check says nothing per port. */
    public RealServerStatus(String label, InetAddress address, int port, int weight, RealServerState state,
                            int activeConnections, long totalConnections, String lastCheck, int effectiveWeight,
                            long bytesToServer, long bytesToClient, long checkAttempts, Duration checkTime) {
        this(label, address, port, weight, state, activeConnections, totalConnections, lastCheck, effectiveWeight,
                bytesToServer, bytesToClient, checkAttempts, checkTime, List.of());
    }

    /** A server without byte or check-time counts (all zero). */
    public RealServerStatus(String label, InetAddress address, int port, int weight, RealServerState state,
                            int activeConnections, long totalConnections, String lastCheck, int effectiveWeight) {
        this(label, address, port, weight, state, activeConnections, totalConnections, lastCheck, effectiveWeight,
                0, 0, 0, Duration.ZERO);
    }

    /** A server balanced by its configured weight. */
    public RealServerStatus(String label, InetAddress address, int port, int weight, RealServerState state,
                            int activeConnections, long totalConnections, String lastCheck) {
        this(label, address, port, weight, state, activeConnections, totalConnections, lastCheck, weight);
    }
}
