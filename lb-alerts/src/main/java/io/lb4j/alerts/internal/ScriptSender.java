package io.lb4j.alerts.internal;

import io.lb4j.alerts.NotifyScript;
import io.lb4j.healthcheck.external.ScriptRunner;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** Runs the notify script with {@code kind name state}; exit status 0 is a delivery. */
public final class ScriptSender implements Sender {

    private final NotifyScript script;
    private final String host;

    public ScriptSender(NotifyScript script, String host) {
        this.script = script;
        this.host = host;
    }

    @Override
    public void send(Notice n) throws Exception {
        var a = n.alert();
        Map<String, String> env = Map.of("LB4J_ALERT_SEVERITY", a.severity().name(),
                "LB4J_ALERT_MESSAGE", AlertText.message(n), "LB4J_ALERT_COUNT", Integer.toString(n.count()),
                "LB4J_ALERT_AT", a.at().toString(), "LB4J_NODE", host);
        int status;
        try {
            status = ScriptRunner.run("alerts.notifyScript", script.script(), script.directories(),
                    List.of(a.kind().name(), a.name(), a.state()), env, script.timeout()).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof java.util.concurrent.TimeoutException) {
                throw new IOException(script.script() + " timed out after " + AlertText.human(script.timeout())
                        + "; killed");
            }
            throw cause instanceof Exception ex ? ex : e;
        }
        if (status != 0) {
            throw new IOException(script.script() + " exited with status " + status);
        }
    }

    @Override
    public void close() {
        // each run ends on its own; a run in flight is killed at its timeout
    }
}
