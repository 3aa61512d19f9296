package io.lb4j.healthcheck.agent;

import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.WeightReport;

import java.util.Locale;
import java.util.Optional;

/**
 * Parses one agent reply (see {@link io.lb4j.api.check.AgentProbe} for the words and what lb4j makes of them) into
 * the attempt's result. Stateless.
 */
public final class AgentReply {

    /** The longest reply read; HAProxy reads a line of about this size too. */
    public static final int MAX_LENGTH = 1024;

    private AgentReply() {
    }

    /**
     * The result {@code reply} stands for, or empty when it is not an agent reply (an unknown word, a percentage out
     * of range, nothing but blanks, control characters).
     */
    public static Optional<CheckResult> parse(String reply) {
        String line = reply.strip();
        String description = "";
        int hash = line.indexOf('#');
        if (hash >= 0) {
            description = line.substring(hash + 1).strip();
            line = line.substring(0, hash);
        }
        if (!printable(line) || !printable(description)) {
            return Optional.empty();
        }
        Integer percent = null;
        boolean drain = false;
        boolean down = false;
        boolean any = false;
        for (String word : line.split("[ \t,]+")) {
            if (word.isEmpty()) {
                continue;
            }
            any = true;
            String w = word.toLowerCase(Locale.ROOT);
            switch (w) {
                case "up", "ready" -> { }
                case "drain", "maint" -> drain = true;
                case "down", "fail", "failed", "stopped" -> down = true;
                default -> {
                    if (w.startsWith("maxconn:") && w.length() > 8 && digits(w.substring(8))) {
                        continue; // a connection limit: lb4j's is the real server's maxConnections
                    }
                    String number = w.endsWith("%") ? w.substring(0, w.length() - 1) : w;
                    if (!digits(number) || number.length() > 5 || Integer.parseInt(number) > WeightReport.MAX_WEIGHT) {
                        return Optional.empty();
                    }
                    percent = Integer.parseInt(number);
                }
            }
        }
        if (!any) {
            return Optional.empty();
        }
        String said = "agent: " + line.strip().replaceAll("[ \t,]+", " ") + (description.isEmpty() ? "" : " # "
                + description);
        if (down) {
            return Optional.of(CheckResult.failed(said));
        }
        WeightReport weight = drain ? WeightReport.percent(0) : WeightReport.percent(percent == null ? 100 : percent);
        return Optional.of(CheckResult.passed(weight, said + " (weight " + weight + ")"));
    }

    private static boolean digits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
