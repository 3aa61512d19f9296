package io.lb4j.alerts.internal;

import io.lb4j.alerts.Alert;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The words of a notice, the same in every channel. */
public final class AlertText {

    private AlertText() {
    }

    /** The message, with a summary's count and states: {@code ...; 6 alerts in 5m: DOWN, UP, ...; now UP}. */
    public static String message(Notice n) {
        return n.alert().message() + (n.summary() ? " [summary: " + alerts(n.count()) + " in " + human(n.window())
                + ": " + String.join(", ", n.states()) + "; now " + n.alert().state() + "]" : "");
    }

    /** An email's body: the message, then the fields, one per line. */
    public static String body(Notice n, String host) {
        Alert a = n.alert();
        StringBuilder b = new StringBuilder(message(n)).append("\n\n");
        fields(n, host).forEach((k, v) -> b.append(String.format("%-9s %s%n", k + ":", v)));
        return b.append("\n-- \nlb4j alerts; the same alert went to every configured channel.\n").toString()
                .replace("\r", "");
    }

    /** The fields every channel carries, in order. */
    public static Map<String, String> fields(Notice n, String host) {
        Alert a = n.alert();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("Kind", a.kind().name());
        f.put("Name", a.name());
        f.put("State", a.state());
        f.put("Severity", a.severity().name());
        f.put("At", a.at().toString());
        f.put("Node", host);
        if (n.summary()) {
            f.put("Count", Integer.toString(n.count()));
            f.put("States", String.join(", ", n.states()));
        }
        return f;
    }

    /** {@code 1 alert}, {@code 5 alerts}. */
    public static String alerts(int count) {
        return count + (count == 1 ? " alert" : " alerts");
    }

    /** {@code 5m}, {@code 30s}, {@code 1h30m}. */
    public static String human(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        String text = (s >= 3600 ? s / 3600 + "h" : "") + (s % 3600 >= 60 ? s % 3600 / 60 + "m" : "")
                + (s % 60 != 0 || s == 0 ? s % 60 + "s" : "");
        return text;
    }
}
