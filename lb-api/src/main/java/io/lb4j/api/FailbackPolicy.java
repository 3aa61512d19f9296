package io.lb4j.api;

import io.lb4j.api.internal.Checks;

import java.time.Duration;
import java.util.Objects;

/**
 * What happens when a service that is on its fallback has a real server able to take connections again.
 *
 * <ul>
 *   <li>{@link #automatic()}: new connections return to the real servers at once (the appliance's behaviour).</li>
 *   <li>{@link #holdDown(Duration)}: they return only once a real server has stayed able for the whole hold-down,
 *       so a flapping primary cannot bounce clients between clusters.</li>
 *   <li>{@link #manual()}: the service stays on the fallback until an operator calls {@code online} for a real
 *       server.</li>
 * </ul>
 *
 * @param mode     the policy
 * @param holdDown how long a recovered server must stay up before fail-back; zero unless {@code HOLD_DOWN}
 */
public record FailbackPolicy(Mode mode, Duration holdDown) {

    /** The kinds of fail-back policy. */
    public enum Mode {
        /** Fail back as soon as a real server can take connections. */
        AUTOMATIC,
        /** Fail back once a real server has been able for the hold-down period without interruption. */
        HOLD_DOWN,
        /** Fail back only when an operator brings a real server online. */
        MANUAL
    }

    private static final FailbackPolicy AUTOMATIC = new FailbackPolicy(Mode.AUTOMATIC, Duration.ZERO);
    private static final FailbackPolicy MANUAL = new FailbackPolicy(Mode.MANUAL, Duration.ZERO);

    /** Validates that only {@code HOLD_DOWN} has a (positive) hold-down. */
    public FailbackPolicy {
        Objects.requireNonNull(mode, "failback.mode");
        Objects.requireNonNull(holdDown, "failback.holdDown");
        if (mode == Mode.HOLD_DOWN) {
            Checks.positive("failback.holdDown", holdDown);
        } else if (!holdDown.isZero()) {
            throw Checks.invalid("failback.holdDown", holdDown, "zero unless the mode is HOLD_DOWN");
        }
    }

    /** Fail back at once; the default. */
    public static FailbackPolicy automatic() {
        return AUTOMATIC;
    }

    /** Fail back only when an operator calls {@code online}. */
    public static FailbackPolicy manual() {
        return MANUAL;
    }

    /**
     * Fail back once a real server has been able to take connections for {@code holdDown} without interruption.
     *
     * @throws IllegalArgumentException when {@code holdDown} is not positive
     */
    public static FailbackPolicy holdDown(Duration holdDown) {
        return new FailbackPolicy(Mode.HOLD_DOWN, holdDown);
    }
}
