package io.lb4j.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.Mark;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Builds a {@link ConfigNode} tree from Jackson's streaming parser, for YAML and JSON alike. Jackson's own tree
 * model drops token locations and silently keeps the last of two equal keys, and its YAML parser returns an alias
 * as the anchor's name in a string, so the tree is built here, token by token. Stateless; thread-safe.
 */
final class TreeParser {

    /** Deeper than any lb4j document (a probe's ports are six levels down); bounds the recursion. */
    static final int MAX_DEPTH = 32;

    private static final YAMLFactory YAML = new YAMLFactory();
    private static final JsonFactory JSON = new JsonFactory();
    private static final String EMPTY = "the document is empty (expected: a mapping with `services:`)";
    private static final Pattern SOURCE = Pattern.compile("\\[Source: .*?; (line: \\d+, column: \\d+)]");
    private static final String NO_ANCHORS = "YAML anchors and aliases are not supported; write the value out";

    private final String source; // the YAML file's name; null for JSON
    private final String text;

    private TreeParser(String source, String text) {
        this.source = source;
        this.text = text;
    }

    static ConfigNode yaml(String text, String fileName) {
        TreeParser reader = new TreeParser(fileName, text);
        try (JsonParser p = YAML.createParser(new StringReader(text))) {
            return reader.document(p);
        } catch (ConfigException e) {
            throw e;
        } catch (JacksonException e) {
            if (isMarked(e)) {
                throw marked(e, fileName);
            }
            JsonLocation at = e.getLocation();
            throw reader.textError(at, "not valid YAML: " + withoutSource(e.getOriginalMessage()), e);
        } catch (IOException | RuntimeException e) {
            // SnakeYAML reports some malformed input (bad escapes, limits) as its own runtime exceptions; their
            // first line says what, the rest quotes the text.
            throw new ConfigException(fileName, "not valid YAML: " + String.valueOf(e.getMessage()).lines()
                    .findFirst().orElse(""), 0, 0, e);
        }
    }

    @SuppressWarnings("deprecation")
    private static boolean isMarked(JacksonException e) {
        return e instanceof MarkedYAMLException;
    }

    /**
     * SnakeYAML's message spans lines with a snippet of the text; its parts make one line, at the problem's mark.
     * Jackson's wrapper is deprecated, but it is how the mark is reached without depending on SnakeYAML directly.
     */
    @SuppressWarnings("deprecation")
    private static ConfigException marked(JacksonException e, String fileName) {
        MarkedYAMLException m = (MarkedYAMLException) e;
        Mark at = m.getProblemMark();
        int line = at == null ? 0 : at.getLine() + 1;
        int column = at == null ? 0 : at.getColumn() + 1;
        String problem = oneLine((m.getContext() == null ? "" : m.getContext() + ", ") + m.getProblem());
        return new ConfigException(new Location(fileName, line, column, "").toString(), "not valid YAML: " + problem,
                line, column, e);
    }

    static ConfigNode json(String text) {
        TreeParser reader = new TreeParser(null, text);
        try (JsonParser p = JSON.createParser(new StringReader(text))) {
            return reader.document(p);
        } catch (JacksonException e) {
            throw reader.textError(e.getLocation(), "not valid JSON: " + withoutSource(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new ConfigException("/", "not valid JSON: " + e.getMessage(), 0, 0, e);
        }
    }

    /** Jackson names the (redacted) source in nested locations; the location is ours to say. */
    private static String withoutSource(String message) {
        return oneLine(SOURCE.matcher(String.valueOf(message)).replaceAll("$1"));
    }

    /**
     * A parser's words on one line: the character it found may itself be a line break or another control
     * character ("found: \n"), which would break a one-line message and a log line apart; shown escaped instead.
     */
    static String oneLine(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.toString();
    }

    private ConfigNode document(JsonParser p) throws IOException {
        if (p.nextToken() == null) {
            throw new ConfigException(source != null ? source : "/", EMPTY, 0, 0, null);
        }
        ConfigNode root = read(p, new Location(source, 0, 0, ""), 0);
        if (p.nextToken() != null) {
            throw textError(p.currentTokenLocation(), source != null
                    ? "a second YAML document (expected: one document per file)"
                    : "a second JSON value (expected: one document)", null);
        }
        return root;
    }

    /**
     * Reads the value at the current token. {@code at} carries the pointer; its line and column are replaced by
     * the token's own.
     */
    private ConfigNode read(JsonParser p, Location at, int depth) throws IOException {
        JsonLocation token = p.currentTokenLocation();
        Location here = new Location(source, token.getLineNr(), token.getColumnNr(), at.pointer());
        if (depth > MAX_DEPTH) {
            throw error(here, "nested deeper than " + MAX_DEPTH + " levels (expected: a configuration document)");
        }
        rejectAnchorsAndAliases(p, token, here);
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, ConfigNode.Mapping.Entry> entries = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    JsonLocation keyAt = p.currentTokenLocation();
                    String key = p.currentName();
                    Location keyLocation = here.child(key, keyAt.getLineNr(), keyAt.getColumnNr());
                    if (entries.containsKey(key)) {
                        throw error(keyLocation, "key \"" + key + "\" repeated (expected: each key once)");
                    }
                    p.nextToken();
                    entries.put(key, new ConfigNode.Mapping.Entry(keyLocation, read(p, keyLocation, depth + 1)));
                }
                return new ConfigNode.Mapping(entries, here);
            }
            case START_ARRAY -> {
                List<ConfigNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p, here.child(Integer.toString(items.size()), 0, 0), depth + 1));
                }
                return new ConfigNode.Sequence(items, here);
            }
            case VALUE_STRING -> {
                return new ConfigNode.Scalar(p.getText(), ConfigNode.Scalar.Type.STRING, here);
            }
            case VALUE_NUMBER_INT -> {
                // In decimal digits whatever the notation (YAML's 0x10 is 16): what a message shows is what counts.
                return new ConfigNode.Scalar(p.getBigIntegerValue().toString(), ConfigNode.Scalar.Type.INTEGER, here);
            }
            case VALUE_NUMBER_FLOAT -> {
                return new ConfigNode.Scalar(p.getText(), ConfigNode.Scalar.Type.DECIMAL, here);
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                String value = Boolean.toString(t == JsonToken.VALUE_TRUE);
                return new ConfigNode.Scalar(value, ConfigNode.Scalar.Type.BOOLEAN, here);
            }
            case VALUE_NULL -> {
                return new ConfigNode.Scalar("", ConfigNode.Scalar.Type.NULL, here);
            }
            default -> throw error(here, "unexpected " + t + " (expected: a mapping, a list or a value)");
        }
    }

    /** YAML's {@code &a} and {@code *a}: resolved by hand they would be one more dialect, and unresolved a lie. */
    private void rejectAnchorsAndAliases(JsonParser p, JsonLocation token, Location here) throws IOException {
        if (p instanceof YAMLParser y) {
            if (y.isCurrentAlias()) {
                throw error(here, "alias *" + y.getText() + " (expected: the value itself; " + NO_ANCHORS + ")");
            }
            String anchor = y.getObjectId() instanceof String a ? a : scalarAnchor(token);
            if (anchor != null) {
                throw error(here, "anchor &" + anchor + " (expected: no anchor; " + NO_ANCHORS + ")");
            }
        }
    }

    /**
     * The anchor written before a scalar, which Jackson does not report: the token starts at the node's properties,
     * an optional tag ({@code !!str}) and the anchor.
     */
    private String scalarAnchor(JsonLocation token) {
        long offset = token.getCharOffset();
        if (offset < 0 || offset >= text.length()) {
            return null;
        }
        int i = (int) offset;
        if (text.charAt(i) == '!') {
            while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                i++;
            }
        }
        if (i >= text.length() || text.charAt(i) != '&') {
            return null;
        }
        int end = i + 1;
        while (end < text.length() && !Character.isWhitespace(text.charAt(end))
                && ",[]{}".indexOf(text.charAt(end)) < 0) {
            end++;
        }
        return text.substring(i + 1, end);
    }

    private static ConfigException error(Location at, String problem) {
        return new ConfigException(at.toString(), problem, at.line(), at.column(), null);
    }

    /** An error in the text itself, before any node: YAML's {@code file:line:column}, JSON's line and column. */
    private ConfigException textError(JsonLocation at, String problem, Throwable cause) {
        int line = at == null ? 0 : at.getLineNr();
        int column = at == null ? 0 : at.getColumnNr();
        String where = source != null ? new Location(source, line, column, "").toString()
                : line > 0 ? "line " + line + ", column " + column : "/";
        return new ConfigException(where, problem, line, column, cause);
    }
}
