package io.lb4j.api.check;

/**
 * A TCP connect to every checked port; healthy when all of them accept within the timeout. The appliance guide's
 * MergePACS check. Ports are probed in parallel, so seven ports cost one timeout, not seven.
 */
public record ConnectProbe() implements Probe {

    /** The one instance; the probe has no settings of its own. */
    public static final ConnectProbe INSTANCE = new ConnectProbe();

    @Override
    public String type() {
        return "connect";
    }
}
