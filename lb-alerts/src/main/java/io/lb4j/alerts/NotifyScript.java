package io.lb4j.alerts;

import io.lb4j.healthcheck.external.ScriptRunner;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A keepalived-style notify script, run on every alert with {@code $1} the kind ({@code SERVICE},
 * {@code REAL_SERVER} or {@code INSTANCE}), {@code $2} the name and {@code $3} the state, as keepalived's
 * {@code notify} gets {@code INSTANCE VI_1 MASTER}; the environment has {@code LB4J_ALERT_SEVERITY},
 * {@code LB4J_ALERT_MESSAGE} and {@code LB4J_ALERT_COUNT} too. It runs under the health-check scripts' rules: only from
 * the script directories, owned by root or the balancer's user and writable by its owner only (checked here and again
 * at every run), with nothing of the balancer's environment, killed with everything it started at the timeout. Exit
 * status 0 is a delivery. A failed run is not retried: a script acts on a state, and running it again later could act
 * on a state that has passed; the next alert runs it with the state then. Immutable.
 *
 * @param script      the script, absolute or relative to the directories
 * @param directories the only directories scripts may come from
 * @param timeout     how long a run may take
 */
public record NotifyScript(Path script, List<Path> directories, Duration timeout) implements AlertChannel {

    /** How long a run may take by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Checks the script against the rules now.
     *
     * @throws IllegalArgumentException {@code "alerts.notifyScript: <script> (expected: a script inside ...)"}
     */
    public NotifyScript {
        for (Path d : directories) {
            if (!d.isAbsolute()) {
                throw new IllegalArgumentException("alerts.notifyScript: script directory " + d + " (expected:"
                        + " absolute directories, such as /etc/lb4j/checks)");
            }
        }
        directories = directories.stream().map(Path::normalize).toList();
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("alerts.notifyScript.timeout: " + timeout + " (expected: a positive"
                    + " duration)");
        }
        ScriptRunner.resolve("alerts.notifyScript", script, directories);
    }

    /** {@code script} from {@code directories}, with the {@link #DEFAULT_TIMEOUT}. */
    public static NotifyScript of(Path script, Path... directories) {
        return new NotifyScript(script, List.of(directories), DEFAULT_TIMEOUT);
    }

    @Override
    public String type() {
        return "script";
    }

    @Override
    public String target() {
        return script.toString();
    }
}
