package io.lb4j.config.internal;

import io.lb4j.config.ConfigException;
import io.lb4j.config.ConfigNode;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts a builder's message where the mistake is written. lb-api's messages start with the field they are about
 * ({@code realServer[Primary].weight: 70000 (expected: 0-65535)}, {@code allOf.ports: 104 (...)}); the field's steps
 * are followed from the node that was being built as far as the text has them, and a value the message names
 * ({@code 104}, {@code "Primary"}) is looked up in the list it ends at. The message itself is passed on unchanged:
 * the builders stay the one place that words each rule. Stateless; thread-safe.
 */
public final class Locator {

    /** {@code field: value (expected: ...)}; the field's steps may carry a label in brackets. */
    private static final Pattern MESSAGE = Pattern.compile("^((?:\\w+(?:\\[[^\\]]*])?\\.)*\\w+(?:\\[[^\\]]*])?): (.*?)"
            + "(?: \\(expected: .*)?$", Pattern.DOTALL);
    private static final Pattern STEP = Pattern.compile("(\\w+)(?:\\[([^\\]]*)])?");

    /** Builder words that the file spells otherwise, or reaches through more than one key. */
    private static final Map<String, List<String>> KEYS = Map.of(
            "realServer", List.of("realServers"),
            "allOf", List.of("healthCheck", "probes"),
            "expectedStatus", List.of("expectStatus"),
            "template", List.of("message"));

    private Locator() {
    }

    /**
     * Runs a builder step; its exception becomes a {@link io.lb4j.config.ConfigException} at the node under
     * {@code start} that its message names, or at {@code start} itself.
     */
    public static <T> T build(ConfigNode start, Supplier<T> step) {
        try {
            return step.get();
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
            return locate(start, e.getMessage()).at(() -> {
                throw e;
            });
        }
    }

    /** The node under {@code start} that {@code message} is about; {@code start} when the text does not say. */
    public static ConfigNode locate(ConfigNode start, String message) {
        Matcher m = message == null ? null : MESSAGE.matcher(message);
        if (m == null || !m.matches()) {
            return start;
        }
        ConfigNode at = start;
        for (String step : m.group(1).split("\\.(?![^\\[]*])")) {
            Matcher s = STEP.matcher(step);
            if (!s.matches()) {
                break;
            }
            for (String key : KEYS.getOrDefault(s.group(1), List.of(s.group(1)))) {
                // A key the mapping lacks names a level we are already in (healthCheck.timeout from inside the
                // healthCheck; http.path inside an http probe): skip it.
                if (at instanceof ConfigNode.Mapping map && map.get(key) != null) {
                    at = map.get(key);
                }
            }
            if (s.group(2) != null) {
                at = labelled(at, s.group(2), false);
            }
        }
        return valueIn(at, m.group(2));
    }

    /** In a list of labelled mappings, the last one labelled {@code label} (or its label); else {@code at}. */
    private static ConfigNode labelled(ConfigNode at, String label, boolean labelNode) {
        if (at instanceof ConfigNode.Sequence list) {
            ConfigNode found = at;
            for (ConfigNode item : list.items()) {
                if (item instanceof ConfigNode.Mapping m && m.get("label") instanceof ConfigNode.Scalar l
                        && l.text().equals(label)) {
                    found = labelNode ? l : item;
                }
            }
            return found;
        }
        if (labelNode && at instanceof ConfigNode.Mapping m && m.get("label") instanceof ConfigNode.Scalar l
                && l.text().equals(label)) {
            return l;
        }
        return at;
    }

    /**
     * The last place under {@code at} that holds {@code value}: a port (or a range with it) in a list of ports, or
     * in the {@code ports} of a list of probes; a label in a list of labelled mappings. The last, since a value
     * listed twice is wrong where it is repeated.
     */
    private static ConfigNode valueIn(ConfigNode at, String value) {
        if (value.matches("\\d{1,9}")) {
            ConfigNode found = lastWith(at, Integer.parseInt(value));
            return found != null ? found : at;
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return labelled(at, value.substring(1, value.length() - 1), true);
        }
        return at;
    }

    private static ConfigNode lastWith(ConfigNode at, int value) {
        ConfigNode found = null;
        if (at instanceof ConfigNode.Sequence list) {
            for (ConfigNode item : list.items()) {
                ConfigNode inItem = lastWith(item, value);
                found = inItem != null ? inItem : found;
            }
        } else if (at instanceof ConfigNode.Mapping m && m.get("ports") instanceof ConfigNode.Sequence ports) {
            found = lastWith(ports, value);
        } else if (at instanceof ConfigNode.Scalar s && holds(s, value)) {
            found = s;
        }
        return found;
    }

    private static boolean holds(ConfigNode.Scalar s, int value) {
        String text = s.text().strip();
        if (text.equals(Integer.toString(value))) {
            return true;
        }
        int dash = text.indexOf('-', 1);
        if (s.isString() && dash > 0) {
            try {
                int from = Integer.parseInt(text.substring(0, dash).strip());
                int to = Integer.parseInt(text.substring(dash + 1).strip());
                return from <= value && value <= to;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return false;
    }
}
