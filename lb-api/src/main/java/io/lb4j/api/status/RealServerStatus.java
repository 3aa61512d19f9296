package io.lb4j.api.status;

import io.lb4j.api.RealServerState;

import java.net.InetAddress;

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
 */
public record RealServerStatus(String label, InetAddress address, int port, int weight, RealServerState state,
                               int activeConnections, long totalConnections, String lastCheck, int effectiveWeight) {

    /** A server balanced by its configured weight. */
    public RealServerStatus(String label, InetAddress address, int port, int weight, RealServerState state,
                            int activeConnections, long totalConnections, String lastCheck) {
        this(label, address, port, weight, state, activeConnections, totalConnections, lastCheck, weight);
    }
}
