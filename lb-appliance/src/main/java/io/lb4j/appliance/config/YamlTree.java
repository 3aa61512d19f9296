package io.lb4j.appliance.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a small tree whose every node remembers its line and column. Jackson's tree model drops token
 * locations, and an error message without a line is what this loader exists to avoid, so the tree is built here
 * from the streaming parser.
 */
final class YamlTree {

    private YamlTree() {
    }

    /** Any node: a scalar, a mapping or a sequence, at a 1-based line and column. */
    sealed interface Node permits Scalar, Mapping, Sequence {
        int line();

        int column();

        /** What a message calls this kind of node. */
        String kind();
    }

    /** A scalar; {@code token} tells a YAML number or boolean from a (possibly quoted) string. */
    record Scalar(String text, JsonToken token, int line, int column) implements Node {
        @Override
        public String kind() {
            return switch (token) {
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                case VALUE_NULL -> "an empty value";
                default -> "a string";
            };
        }

        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        /** The text as shown back to the user in a message. */
        String shown() {
            return token == JsonToken.VALUE_STRING ? "\"" + text + "\"" : text;
        }
    }

    /** One key of a mapping, with the location of the key itself (for "unknown key" messages). */
    record Entry(String key, int line, int column, Node value) {
    }

    /** A mapping with keys in file order, none repeated. */
    record Mapping(Map<String, Entry> entries, int line, int column) implements Node {
        @Override
        public String kind() {
            return "a mapping";
        }

        Node get(String key) {
            Entry e = entries.get(key);
            return e == null ? null : e.value();
        }
    }

    /** A sequence. */
    record Sequence(List<Node> items, int line, int column) implements Node {
        @Override
        public String kind() {
            return "a list";
        }
    }

    /**
     * Parses one YAML document.
     *
     * @throws ConfigException at the offending line for malformed YAML, a repeated key, more than one document or an
     *                         empty file
     */
    static Node parse(String text, String file) {
        try (JsonParser p = new YAMLFactory().createParser(new StringReader(text))) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new ConfigException(file, 0, 0, "the file is empty (expected: a mapping with `services:`)");
            }
            Node root = read(p, file);
            if (p.nextToken() != null) {
                JsonLocation at = p.currentTokenLocation();
                throw new ConfigException(file, at.getLineNr(), at.getColumnNr(),
                        "a second YAML document (expected: one document per file)");
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ConfigException(file, at == null ? 0 : at.getLineNr(), at == null ? 0 : at.getColumnNr(),
                    "not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigException(file, 0, 0, "cannot read: " + e.getMessage(), e);
        }
    }

    private static Node read(JsonParser p, String file) throws IOException {
        JsonLocation at = p.currentTokenLocation();
        int line = at.getLineNr();
        int column = at.getColumnNr();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, Entry> entries = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    JsonLocation keyAt = p.currentTokenLocation();
                    String key = p.currentName();
                    p.nextToken();
                    Node value = read(p, file);
                    Entry previous = entries.putIfAbsent(key, new Entry(key, keyAt.getLineNr(), keyAt.getColumnNr(), value));
                    if (previous != null) {
                        throw new ConfigException(file, keyAt.getLineNr(), keyAt.getColumnNr(), "key \"" + key
                                + "\" repeated (expected: each key once; first given on line " + previous.line() + ")");
                    }
                }
                return new Mapping(Collections.unmodifiableMap(entries), line, column);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p, file));
                }
                return new Sequence(List.copyOf(items), line, column);
            }
            default -> {
                return new Scalar(t == JsonToken.VALUE_NULL ? "" : p.getText(), t, line, column);
            }
        }
    }
}
