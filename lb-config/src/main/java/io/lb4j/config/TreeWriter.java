package io.lb4j.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;

/** Writes a {@link ConfigNode} tree through Jackson's generators. Stateless; thread-safe. */
final class TreeWriter {

    private static final YAMLFactory YAML = YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build();
    private static final JsonFactory JSON = new JsonFactory();

    private TreeWriter() {
    }

    static String yaml(ConfigNode root) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = YAML.createGenerator(out)) {
            write(root, g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing YAML to a string failed", e);
        }
        return out.toString();
    }

    static String json(ConfigNode root) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            write(root, g);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string failed", e);
        }
        return out.toString();
    }

    private static void write(ConfigNode node, JsonGenerator g) throws IOException {
        switch (node) {
            case ConfigNode.Mapping m -> {
                g.writeStartObject();
                for (var e : m.entries().entrySet()) {
                    g.writeFieldName(e.getKey());
                    write(e.getValue().value(), g);
                }
                g.writeEndObject();
            }
            case ConfigNode.Sequence s -> {
                g.writeStartArray();
                for (ConfigNode item : s.items()) {
                    write(item, g);
                }
                g.writeEndArray();
            }
            case ConfigNode.Scalar s -> {
                switch (s.type) {
                    case STRING -> g.writeString(s.text());
                    case INTEGER -> g.writeNumber(new BigInteger(s.text()));
                    case DECIMAL -> g.writeNumber(s.text()); // as parsed: YAML's .inf has no BigDecimal
                    case BOOLEAN -> g.writeBoolean(Boolean.parseBoolean(s.text()));
                    case NULL -> g.writeNull();
                }
            }
        }
    }
}
