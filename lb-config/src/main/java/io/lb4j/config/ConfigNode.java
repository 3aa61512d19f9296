package io.lb4j.config;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A configuration document as a tree of mappings, lists and single values, each node remembering where it was
 * written: {@code file:line:column} for YAML, a JSON pointer for JSON. The readers ({@link #asInt},
 * {@link #asDuration}, {@link Mapping#checkKeys}...) turn a node into a value or throw a {@link ConfigException} at
 * the node with a problem of the shape {@code what: value (expected: what is allowed)}; every reader of lb4j's
 * configuration uses them, so the same mistake gets the same message wherever it is made.
 *
 * <pre>{@code
 * ConfigNode.Mapping top = ConfigNode.parseYaml(text, "lb.yaml").asMapping("the file");
 * top.checkKeys(Set.of("services", "admin"), "the top level");
 * List<VirtualService> services = ServiceMapping.read(top.required("services", "the top level"),
 *         ForwardingMethod.PROXY);
 * }</pre>
 *
 * <p>Parsing is strict: a key repeated in one mapping, a YAML anchor or alias, a second document or nesting deeper
 * than {@value TreeParser#MAX_DEPTH} levels are errors at their location, never silently resolved. Nodes are
 * immutable and thread-safe; nodes built with the {@code of} factories have no location and are meant for
 * writing ({@link #toYaml()}, {@link #toJson()}).
 */
public sealed interface ConfigNode permits ConfigNode.Mapping, ConfigNode.Sequence, ConfigNode.Scalar {

    /**
     * Parses one YAML document.
     *
     * @param fileName what locations call the text, e.g. {@code /etc/lb4j/lb.yaml}
     * @throws ConfigException at {@code fileName:line:column} for malformed YAML, a repeated key, an anchor or alias,
     *                         a second document, or an empty text
     */
    static ConfigNode parseYaml(String text, String fileName) {
        return TreeParser.yaml(Objects.requireNonNull(text, "text"), Objects.requireNonNull(fileName, "fileName"));
    }

    /**
     * Parses one JSON document; locations are JSON pointers.
     *
     * @throws ConfigException at {@code line L, column C} for text that is not JSON, or at the pointer of a repeated
     *                         key
     */
    static ConfigNode parseJson(String text) {
        return TreeParser.json(Objects.requireNonNull(text, "text"));
    }

    /** Where the node was written: {@code file:line:column}, or a JSON pointer ({@code /} for the root). */
    String location();

    /** The 1-based line where the node starts, or 0 for a node built in code. */
    int line();

    /** The 1-based column where the node starts, or 0 for a node built in code. */
    int column();

    /** What a message calls this kind of node: {@code a mapping}, {@code a list}, {@code a string}, {@code a number}. */
    String kind();

    /** This tree as block-style YAML, strings quoted so that none reads back as a number or boolean. */
    default String toYaml() {
        return TreeWriter.yaml(this);
    }

    /** This tree as indented JSON ({@code "key" : value}). */
    default String toJson() {
        return TreeWriter.json(this);
    }

    /** An exception at this node; the caller throws it. */
    default ConfigException error(String problem) {
        return new ConfigException(location(), problem, line(), column(), null);
    }

    /**
     * The exception for a required {@code key} missing in the mapping at this node, {@code key: missing in where
     * (expected: a `key:` entry)}; also for a value written in short form (a single value where a mapping with that
     * key was needed).
     */
    default ConfigException missing(String key, String where) {
        return error(key + ": missing in " + where + " (expected: a `" + key + ":` entry)");
    }

    /**
     * Runs a step that validates what this node says, usually a builder of lb-api; the step's
     * {@link IllegalArgumentException}, {@link IllegalStateException} or {@link NullPointerException} becomes a
     * {@link ConfigException} at this node with the step's own message (a null's name becomes {@code name: missing}).
     * A {@link ConfigException} passes unchanged.
     */
    default <T> T at(Supplier<T> step) {
        try {
            return step.get();
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigException(location(), String.valueOf(e.getMessage()), line(), column(), e);
        } catch (NullPointerException e) {
            throw new ConfigException(location(), e.getMessage() + ": missing", line(), column(), e);
        }
    }

    /** This node as a mapping, or {@code what: a list (expected: a mapping of keys to values)}. */
    default Mapping asMapping(String what) {
        if (this instanceof Mapping m) {
            return m;
        }
        throw error(what + ": " + kind() + " (expected: a mapping of keys to values)");
    }

    /** This node as a list, or {@code what: a mapping (expected: a list)}. */
    default Sequence asSequence(String what) {
        if (this instanceof Sequence s) {
            return s;
        }
        throw error(what + ": " + kind() + " (expected: a list)");
    }

    /** This node as a single, non-empty value, or {@code what: a list (expected: a single value)}. */
    default Scalar asScalar(String what) {
        if (this instanceof Scalar s && !s.isNull()) {
            return s;
        }
        throw error(what + ": " + kind() + " (expected: a single value)");
    }

    /**
     * The items of this list, or this single value alone: {@code ports: 514} reads as {@code ports: [514]}.
     *
     * @throws ConfigException when this is a mapping or an empty value
     */
    default List<ConfigNode> asItems(String what) {
        if (this instanceof Sequence s) {
            return s.items();
        }
        if (this instanceof Scalar s && !s.isNull()) {
            return List.of(s);
        }
        throw error(what + ": " + kind() + " (expected: a list, or a single value)");
    }

    /** A string; a number or boolean is {@code what: 0 is a number (expected: a string)}. */
    default String asString(String what) {
        Scalar s = asScalar(what);
        if (!s.isString()) {
            throw error(what + ": " + s.shown() + " is " + s.kind() + " (expected: a string)");
        }
        return s.text();
    }

    /**
     * An integer in the range of {@code int}; anything else is {@code what: value (expected: expected)}. The range
     * of the field is the caller's (usually the builder's) to check.
     */
    default int asInt(String what, String expected) {
        Scalar s = asScalar(what);
        if (s.type != Scalar.Type.INTEGER) {
            throw error(what + ": " + s.shown() + " (expected: " + expected + ")");
        }
        BigInteger value = new BigInteger(s.text());
        if (value.bitLength() > 31) {
            throw error(what + ": " + s.text() + " (expected: " + expected + ")");
        }
        return value.intValue();
    }

    /** {@code true} or {@code false}, written as such (not quoted). */
    default boolean asBoolean(String what) {
        Scalar s = asScalar(what);
        if (s.type != Scalar.Type.BOOLEAN) {
            throw error(what + ": " + s.shown() + " (expected: true or false)");
        }
        return Boolean.parseBoolean(s.text());
    }

    /** A duration in {@link Durations}' form: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or {@code 0}. */
    default Duration asDuration(String what) {
        Scalar s = asScalar(what);
        if (s.type == Scalar.Type.STRING || s.type == Scalar.Type.INTEGER) {
            try {
                return Durations.parse(s.text());
            } catch (IllegalArgumentException e) {
                // reported below, with the value as written
            }
        }
        throw error(what + ": " + s.shown() + " (expected: " + Durations.FORMS + ")");
    }

    /** One of {@code allowed}, or {@code what: "x" (expected: a | b | c)}. */
    default String asOneOf(String what, List<String> allowed) {
        Scalar s = asScalar(what);
        if (!s.isString() || !allowed.contains(s.text())) {
            throw error(what + ": " + s.shown() + " (expected: " + String.join(" | ", allowed) + ")");
        }
        return s.text();
    }

    /** Keys to values, in the order written; no key twice. */
    final class Mapping implements ConfigNode {

        /** One key, where the key itself was written (for messages about the key), and its value. */
        record Entry(Location keyLocation, ConfigNode value) {
        }

        private final Map<String, Entry> entries;
        private final Location location;

        Mapping(Map<String, Entry> entries, Location location) {
            this.entries = Collections.unmodifiableMap(entries);
            this.location = location;
        }

        /** A mapping to write, with the keys in {@code entries}' iteration order. */
        public static Mapping of(Map<String, ? extends ConfigNode> entries) {
            Map<String, Entry> copy = new LinkedHashMap<>();
            entries.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "key"),
                    new Entry(Location.NONE, Objects.requireNonNull(v, k))));
            return new Mapping(copy, Location.NONE);
        }

        /** The keys, in the order written. */
        public Set<String> keys() {
            return entries.keySet();
        }

        /** The value of {@code key}, or null when the mapping has no such key. */
        public ConfigNode get(String key) {
            Entry e = entries.get(key);
            return e == null ? null : e.value();
        }

        /** Whether the mapping has {@code key}. */
        public boolean has(String key) {
            return entries.containsKey(key);
        }

        /**
         * The value of {@code key}.
         *
         * @param where what the mapping is, for the message: {@code key: missing in where (expected: ...)}
         * @throws ConfigException at this mapping when the key is missing
         */
        public ConfigNode required(String key, String where) {
            ConfigNode n = get(key);
            if (n == null) {
                throw missing(key, where);
            }
            return n;
        }

        /**
         * Checks that every key is one of {@code allowed}.
         *
         * @param where what the mapping is: {@code unknown key "x" in where (expected one of: a, b, c)}
         * @throws ConfigException at the first unknown key, listing the allowed ones in alphabetical order
         */
        public void checkKeys(Set<String> allowed, String where) {
            for (String key : entries.keySet()) {
                if (!allowed.contains(key)) {
                    throw errorAtKey(key, "unknown key \"" + key + "\" in " + where + " (expected one of: "
                            + String.join(", ", allowed.stream().sorted().toList()) + ")");
                }
            }
        }

        /** An exception at {@code key} itself rather than its value (the mapping's location if it has no such key). */
        public ConfigException errorAtKey(String key, String problem) {
            Entry e = entries.get(key);
            Location at = e == null ? location : e.keyLocation();
            return new ConfigException(at.toString(), problem, at.line(), at.column(), null);
        }

        Map<String, Entry> entries() {
            return entries;
        }

        @Override
        public String location() {
            return location.toString();
        }

        @Override
        public int line() {
            return location.line();
        }

        @Override
        public int column() {
            return location.column();
        }

        @Override
        public String kind() {
            return "a mapping";
        }

        @Override
        public String toString() {
            return "Mapping" + entries.keySet() + " at " + location;
        }
    }

    /** A list of nodes. */
    final class Sequence implements ConfigNode {

        private final List<ConfigNode> items;
        private final Location location;

        Sequence(List<ConfigNode> items, Location location) {
            this.items = List.copyOf(items);
            this.location = location;
        }

        /** A list to write. */
        public static Sequence of(List<? extends ConfigNode> items) {
            return new Sequence(List.copyOf(items), Location.NONE);
        }

        /** The items, in the order written. */
        public List<ConfigNode> items() {
            return items;
        }

        @Override
        public String location() {
            return location.toString();
        }

        @Override
        public int line() {
            return location.line();
        }

        @Override
        public int column() {
            return location.column();
        }

        @Override
        public String kind() {
            return "a list";
        }

        @Override
        public String toString() {
            return "Sequence(" + items.size() + ") at " + location;
        }
    }

    /**
     * A single value: a string, a number, a boolean, or empty ({@code null}, or a YAML key with nothing after it).
     * YAML's own typing decides which: {@code 104} is a number, {@code "104"} a string.
     */
    final class Scalar implements ConfigNode {

        /** Longer values are shortened in messages: a message is one readable line, not an echo of the input. */
        private static final int SHOWN_MAX = 80;

        enum Type { STRING, INTEGER, DECIMAL, BOOLEAN, NULL }

        private final String text;
        final Type type;
        private final Location location;

        Scalar(String text, Type type, Location location) {
            this.text = text;
            this.type = type;
            this.location = location;
        }

        /** A string to write. */
        public static Scalar of(String text) {
            return new Scalar(Objects.requireNonNull(text, "text"), Type.STRING, Location.NONE);
        }

        /** A number to write. */
        public static Scalar of(long number) {
            return new Scalar(Long.toString(number), Type.INTEGER, Location.NONE);
        }

        /** A boolean to write. */
        public static Scalar of(boolean value) {
            return new Scalar(Boolean.toString(value), Type.BOOLEAN, Location.NONE);
        }

        /** The value as written; a number in decimal digits; {@code ""} when empty. */
        public String text() {
            return text;
        }

        /** Whether the value is a string (quoted, or a YAML word that is not a number, boolean or null). */
        public boolean isString() {
            return type == Type.STRING;
        }

        /** Whether the value is empty ({@code null}, {@code ~}, or nothing after a YAML key). */
        public boolean isNull() {
            return type == Type.NULL;
        }

        /**
         * The value as a message shows it: a string in quotes, with control characters escaped (a message is one
         * line in a log) and shortened after {@value #SHOWN_MAX} characters; anything else as written.
         */
        public String shown() {
            if (type != Type.STRING) {
                return text;
            }
            StringBuilder b = new StringBuilder("\"");
            for (int i = 0; i < text.length() && i < SHOWN_MAX; i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '\r' -> b.append("\\r");
                    case '\n' -> b.append("\\n");
                    case '\t' -> b.append("\\t");
                    case '"' -> b.append("\\\"");
                    default -> b.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : c);
                }
            }
            return b.append(text.length() > SHOWN_MAX ? "...\"" : "\"").toString();
        }

        @Override
        public String location() {
            return location.toString();
        }

        @Override
        public int line() {
            return location.line();
        }

        @Override
        public int column() {
            return location.column();
        }

        @Override
        public String kind() {
            return switch (type) {
                case INTEGER, DECIMAL -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "an empty value";
                case STRING -> "a string";
            };
        }

        @Override
        public String toString() {
            return shown() + " at " + location;
        }
    }
}
