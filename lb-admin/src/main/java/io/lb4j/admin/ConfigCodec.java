package io.lb4j.admin;

import io.lb4j.api.VirtualService;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the balancer's services into text and back, for {@code GET} and {@code PUT /api/config}. The default,
 * {@link #json()}, uses the same keys as the appliance runner's YAML file; a runner that has its own parser plugs
 * it in here so the API accepts exactly what its file accepts.
 *
 * <p>Contract: {@link #decode} has no side effects and either returns services that each passed their builder's
 * validation, or throws {@link InvalidConfigException} naming the bad field; the admin server then also checks the
 * rules that span services ({@code LoadBalancer.Builder.validateServices}) before it calls
 * {@code reconfigure}. Implementations must be thread-safe.
 */
public interface ConfigCodec {

    /** The media type of the text, e.g. {@code application/json} or {@code application/yaml}. */
    String mediaType();

    /** The services as text that {@link #decode} reads back to equal services. */
    String encode(List<VirtualService> services);

    /**
     * Parses and validates text.
     *
     * @throws InvalidConfigException naming the path of the first bad field and what is wrong with it
     */
    List<VirtualService> decode(String text);

    /**
     * JSON with the runner's YAML keys: {@code {"services": [{"label": "PACS", "address": "10.0.0.1", "ports":
     * [104], "forwarding": "proxy", "realServers": [{"label": "Primary", "address": "10.0.0.2"}], ...}]}};
     * durations as {@code "500ms"}, {@code "30s"}, {@code "5m"}, {@code "1h"}. Unknown keys are errors.
     */
    static ConfigCodec json() {
        return JsonConfigCodec.INSTANCE;
    }

    /**
     * The vocabulary of the configuration format that {@link #json()} and the appliance runner's YAML file share:
     * the keys of each section, the health-check types and the written forms of durations and port ranges. Defined
     * once here so that a codec over another syntax (the runner wraps its YAML loader) cannot drift from the
     * default one; each codec still walks its own tree, to report errors where its users look (a JSON path, or a
     * file's line and column). Immutable constants and pure functions; thread-safe.
     */
    final class Format {

        /** The keys of a service ({@code services[]}). */
        public static final Set<String> SERVICE_KEYS = Set.of("label", "address", "ports", "protocol", "forwarding",
                "scheduler", "persistence", "failback", "healthCheck", "realServers", "fallback");
        /** The keys of a real server ({@code realServers[]}). */
        public static final Set<String> REAL_SERVER_KEYS = Set.of("label", "address", "port", "weight",
                "minConnections", "maxConnections");
        /** The keys of a fallback. */
        public static final Set<String> FALLBACK_KEYS = Set.of("address", "port", "masquerade");
        /** The keys of {@code failback} when it is a mapping rather than {@code automatic} or {@code manual}. */
        public static final Set<String> FAILBACK_KEYS = Set.of("holdDown");
        /** The health-check types, in the order messages list them. */
        public static final List<String> HEALTH_CHECK_TYPES = List.of("connect", "none", "http", "https",
                "dicom-echo", "hl7", "negotiate", "external");

        private static final Set<String> CHECK_COMMON_KEYS = Set.of("type", "ports", "interval", "timeout", "jitter",
                "failAfter", "riseAfter");
        private static final Map<String, Set<String>> CHECK_TYPE_KEYS = Map.of(
                "connect", Set.of(),
                "none", Set.of(),
                "http", Set.of("path", "method", "host", "expectStatus", "bodyPattern"),
                "https", Set.of("path", "method", "host", "expectStatus", "bodyPattern", "insecure"),
                "dicom-echo", Set.of("callingAeTitle", "calledAeTitle"),
                "hl7", Set.of("message"),
                "negotiate", Set.of("send", "expect"),
                "external", Set.of("script", "checkSource"));
        private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
        private static final Pattern PORT_RANGE = Pattern.compile("(\\d{1,5})\\s*-\\s*(\\d{1,5})");

        /** How a message describes the accepted forms of a duration. */
        public static final String DURATION_FORMS = "a duration such as 500ms, 30s, 5m or 1h";

        private Format() {
        }

        /**
         * The keys a health check of {@code type} may have: the common ones ({@code type, ports, interval, timeout,
         * jitter, failAfter, riseAfter}) and the type's own, sorted.
         *
         * @throws IllegalArgumentException when {@code type} is not one of {@link #HEALTH_CHECK_TYPES}
         */
        public static Set<String> healthCheckKeys(String type) {
            Set<String> specific = CHECK_TYPE_KEYS.get(type);
            if (specific == null) {
                throw new IllegalArgumentException("healthCheck.type: \"" + type + "\" (expected: "
                        + String.join(", ", HEALTH_CHECK_TYPES) + ")");
            }
            Set<String> keys = new TreeSet<>(CHECK_COMMON_KEYS);
            keys.addAll(specific);
            return java.util.Collections.unmodifiableSet(keys);
        }

        /**
         * Parses a duration as the format writes it: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, or {@code 0}.
         *
         * @throws IllegalArgumentException naming the text and the accepted forms
         */
        public static Duration parseDuration(String text) {
            if (text.equals("0")) {
                return Duration.ZERO;
            }
            Matcher m = DURATION.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("\"" + text + "\" (expected: " + DURATION_FORMS + ")");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }

        /** The shortest exact form that {@link #parseDuration} reads back: {@code 0}, {@code 500ms}, {@code 5m}... */
        public static String formatDuration(Duration d) {
            long ms = d.toMillis();
            if (ms == 0) {
                return "0";
            }
            if (ms % 3_600_000 == 0) {
                return ms / 3_600_000 + "h";
            }
            if (ms % 60_000 == 0) {
                return ms / 60_000 + "m";
            }
            if (ms % 1000 == 0) {
                return ms / 1000 + "s";
            }
            return ms + "ms";
        }

        /**
         * A port range as written in a list of ports, {@code "8000-8010"}: {@code {from, to}} as written (the
         * builder checks the order and bounds), or empty when the text is not of that form.
         */
        public static Optional<int[]> portRange(String text) {
            Matcher m = PORT_RANGE.matcher(text);
            return m.matches() ? Optional.of(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))})
                    : Optional.empty();
        }
    }
}
