package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.util.Objects;
import java.util.Optional;

/**
 * A feedback agent on the real server: connect to its {@link #port()} (on the real server's address, whatever the
 * service's ports), send {@link #send()} if set, read one line, and take the server's weight (and possibly its state)
 * from it. Speaks HAProxy's {@code agent-check} protocol and the Loadbalancer.org feedback agent's (TCP 3333, which
 * answers the server's idle percentage). Any real server listening there can be balanced by its own load.
 *
 * <p>The reply is ASCII words separated by spaces, tabs or commas, with an optional description after {@code #}:
 * <ul>
 *   <li>{@code 75%}, or a bare {@code 75} as the Loadbalancer.org agent sends: the effective weight is 75 percent of
 *       the configured one (rounded down, at least 1 unless 0 percent); without a percentage, 100 percent.</li>
 *   <li>{@code up}, {@code ready}: nothing beyond the weight.</li>
 *   <li>{@code drain}, {@code maint}: effective weight 0 (no new connections; established ones continue; with no
 *       other server able the service goes to its fallback). lb4j's Halt, Drain and Online stay the operator's: an
 *       agent never changes them, and {@code maint} does not expire connections as Halt does.</li>
 *   <li>{@code down}, {@code fail}, {@code stopped}: a failed attempt, with the description as the reason; the
 *       server goes down after {@code failAfter} of them, as with any check.</li>
 *   <li>{@code maxconn:N}: accepted and ignored.</li>
 * </ul>
 * Each reply is the agent's whole view: a reply without a percentage restores 100 percent. An agent that does not
 * answer (refused, closed, timed out), or answers anything else (counted, and shown as the last check's reason), leaves
 * the server up at its configured weight: the agent reports load, and its own failure says nothing about the service.
 *
 * @param port the agent's TCP port, 1-65535 (Loadbalancer.org's agent: {@value #LOADBALANCER_ORG_PORT})
 * @param send text sent on connect before reading ({@code agent-send}), empty for none
 */
public record AgentProbe(int port, String send) implements Probe {

    /** The port of the Loadbalancer.org feedback agent. */
    public static final int LOADBALANCER_ORG_PORT = 3333;

    /**
     * @throws IllegalArgumentException when the port is outside 1-65535 or {@code send} is longer than 1024 characters
     * @throws NullPointerException     when {@code send} is missing
     */
    public AgentProbe {
        Checks.inRange("agent.port", port, 1, 65535);
        Objects.requireNonNull(send, "agent.send");
        if (send.length() > 1024) {
            throw Checks.invalid("agent.send", send.length() + " characters", "at most 1024");
        }
    }

    /** The agent on {@code port}, sending nothing. */
    public static AgentProbe of(int port) {
        return new AgentProbe(port, "");
    }

    /** This probe sending {@code text} on connect; {@code this} when unchanged. */
    public AgentProbe withSend(String text) {
        return text.equals(send) ? this : new AgentProbe(port, text);
    }

    /** An agent that does not answer in time leaves its server up at its configured weight. */
    @Override
    public CheckResult onTimeout(String reason) {
        return new CheckResult(true, "agent: " + reason + " (weight as configured)",
                Optional.of(WeightReport.configured()));
    }

    @Override
    public String type() {
        return "agent";
    }
}
