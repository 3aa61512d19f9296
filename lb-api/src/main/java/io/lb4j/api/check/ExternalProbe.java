package io.lb4j.api.check;

import io.lb4j.api.internal.Checks;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Runs the user's script, with the arguments existing load-balancer check scripts expect; exit status 0 passes.
 *
 * <p>Arguments (ldirectord's convention, with Loadbalancer.org's fifth): {@code $1} VIP, {@code $2} VIP port,
 * {@code $3} real-server IP, {@code $4} real-server port, {@code $5} check source IP (empty unless set). The script
 * runs once per attempt and real server, never two at a time for one real server; the ports are the first of the
 * checked ports, and every checked port is in the environment: {@code LB4J_VIP}, {@code LB4J_VPORT},
 * {@code LB4J_VPORTS}, {@code LB4J_RIP}, {@code LB4J_RPORT}, {@code LB4J_RPORTS} (comma-separated),
 * {@code LB4J_SERVICE}, {@code LB4J_REAL_SERVER}, {@code LB4J_TIMEOUT_MS}, {@code LB4J_CHECK_SOURCE}. Nothing else
 * of the balancer's environment is passed on except {@code PATH=/usr/sbin:/usr/bin:/sbin:/bin}; the working
 * directory is {@code /}. The script runs in a session of its own (and, where cgroup v2 can be used, a cgroup of its
 * own); at the timeout, or when the balancer stops, it and every process it started are killed, and what it leaves
 * running when it exits is killed then. Its output (stdout and stderr, merged) is captured, at most 64 KiB, into the
 * failure reason.
 *
 * <p>Where the script may come from is the balancer's decision, not the probe's: like keepalived's
 * {@code enable_script_security}, a balancer only runs scripts inside its script directories
 * ({@code LoadBalancer.builder().scriptDirectories(..)}, default {@value #DEFAULT_SCRIPT_DIRECTORY}), owned by root
 * or the balancer's user and writable by no one else, in directories that are the same. It checks that when it is
 * built or reconfigured, and again before every run. A relative {@code script} is looked up in those directories.
 *
 * <p>With {@link #dynamicWeight()} (keepalived's {@code misc_dynamic}) the exit status also sets the server's weight:
 * 0 passes at the configured weight, 1 fails, and 2-255 pass with the weight set to the status minus 2 (so 2 is
 * weight 0: no new connections, established ones continue; 102 is weight 100). Without it, every status but 0 fails.
 *
 * @param script        the executable to run: a name inside the balancer's script directories, or an absolute path
 *                      into one of them
 * @param checkSource   the IP address literal passed as {@code $5}; empty for none
 * @param dynamicWeight whether exit statuses 2-255 set the weight (keepalived's {@code misc_dynamic})
 */
public record ExternalProbe(Path script, String checkSource, boolean dynamicWeight) implements Probe {

    /** Where a balancer looks for scripts unless told otherwise. */
    public static final String DEFAULT_SCRIPT_DIRECTORY = "/etc/lb4j/checks";

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException when the script path is empty or the check source is not an IP address
     *                                  literal (host names are refused: resolving one would put DNS in every
     *                                  attempt)
     * @throws NullPointerException     naming a missing field
     */
    public ExternalProbe {
        Objects.requireNonNull(script, "external.script");
        Objects.requireNonNull(checkSource, "external.checkSource");
        if (script.toString().isEmpty()) {
            throw Checks.invalid("external.script", "\"\"", "a path to an executable");
        }
        if (!checkSource.isEmpty() && !isAddressLiteral(checkSource)) {
            throw Checks.invalid("external.checkSource", "\"" + checkSource + "\"", "an IP address literal, or empty");
        }
    }

    /**
     * Whether {@code text} is an IPv6 literal without brackets or a dotted-quad IPv4 literal, written as a script
     * would expect it ({@link InetAddress#ofLiteral} alone also takes {@code 10.1} and {@code 010.0.0.1}).
     */
    private static boolean isAddressLiteral(String text) {
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return text.indexOf(':') >= 0 ? !text.startsWith("[") : address.getHostAddress().equals(text);
    }

    /** The given script and check source, exit statuses other than 0 failing. */
    public ExternalProbe(Path script, String checkSource) {
        this(script, checkSource, false);
    }

    /** Runs {@code script} with an empty {@code $5}. */
    public static ExternalProbe of(Path script) {
        return new ExternalProbe(script, "");
    }

    /** This probe passing {@code address} as the check source ({@code $5}); {@code this} when unchanged. */
    public ExternalProbe withCheckSource(String address) {
        return address.equals(checkSource) ? this : new ExternalProbe(script, address, dynamicWeight);
    }

    /** This probe with exit statuses 2-255 setting the weight, or not; {@code this} when unchanged. */
    public ExternalProbe withDynamicWeight(boolean dynamic) {
        return dynamic == dynamicWeight ? this : new ExternalProbe(script, checkSource, dynamic);
    }

    @Override
    public String type() {
        return "external";
    }
}
