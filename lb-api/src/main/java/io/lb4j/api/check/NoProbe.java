package io.lb4j.api.check;

/**
 * No check: the real server is always considered up ("No checks, always On" on the appliance) and failover is
 * manual, by {@code halt}.
 */
public record NoProbe() implements Probe {

    /** The one instance. */
    public static final NoProbe INSTANCE = new NoProbe();

    @Override
    public String type() {
        return "none";
    }
}
