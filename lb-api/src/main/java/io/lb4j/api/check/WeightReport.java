package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

/**
 * A weight a health-check attempt reports for its real server, as a feedback agent or a dynamic script does: either a
 * percentage of the configured weight (HAProxy's agent-check {@code 75%}, Loadbalancer.org's feedback agent's idle
 * percentage) or a weight of its own (keepalived's {@code misc_dynamic}: exit status minus 2). The balancer balances
 * new connections by the {@linkplain #applyTo effective weight}; established connections are never touched by a
 * weight change. Immutable.
 *
 * @param value   the percentage, or the weight, 0-65535
 * @param percent whether {@code value} is a percentage of the configured weight
 */
public record WeightReport(int value, boolean percent) {

    /** The largest weight a real server can have. */
    public static final int MAX_WEIGHT = 65535;

    private static final WeightReport CONFIGURED = new WeightReport(100, true);

    /** @throws IllegalArgumentException when the value is outside 0-65535 */
    public WeightReport {
        Checks.inRange("weight", value, 0, MAX_WEIGHT);
    }

    /** {@code value} percent of the configured weight. */
    public static WeightReport percent(int value) {
        return value == 100 ? CONFIGURED : new WeightReport(value, true);
    }

    /** The weight {@code value}, whatever is configured. */
    public static WeightReport absolute(int value) {
        return new WeightReport(value, false);
    }

    /** The configured weight: 100 percent. */
    public static WeightReport configured() {
        return CONFIGURED;
    }

    /**
     * The effective weight for a server configured with {@code configured}: the percentage of it, rounded down, but at
     * least 1 when neither is 0 (so 1% of weight 50 does not quiesce the server), capped at {@value #MAX_WEIGHT}; or
     * the absolute value.
     */
    public int applyTo(int configured) {
        if (!percent) {
            return value;
        }
        long w = (long) configured * value / 100;
        if (w == 0 && configured > 0 && value > 0) {
            return 1;
        }
        return (int) Math.min(w, MAX_WEIGHT);
    }

    @Override
    public String toString() {
        return percent ? value + "%" : "weight " + value;
    }
}
