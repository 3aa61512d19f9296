package io.lb4j.appliance.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.lb4j.admin.ConfigCodec;
import io.lb4j.admin.InvalidConfigException;
import io.lb4j.api.VirtualService;

import java.util.List;

/**
 * The appliance file's YAML as the admin server's {@link ConfigCodec}, so {@code PUT /api/config} accepts exactly
 * what the file accepts. Reading is {@link ConfigLoader#parseServices}; writing takes the document the default
 * {@link ConfigCodec#json()} writes (the same keys, by construction: both use {@link ConfigCodec.Format}) and
 * prints it as block YAML, so there is one encoder. Stateless apart from the running configuration; thread-safe.
 */
final class YamlConfigCodec implements ConfigCodec {

    /** The name errors carry; the admin API reports only the line and column. */
    private static final String NAME = "config";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build());

    private final ApplianceConfig running;

    YamlConfigCodec(ApplianceConfig running) {
        this.running = running;
    }

    @Override
    public String mediaType() {
        return "application/yaml";
    }

    @Override
    public String encode(List<VirtualService> services) {
        try {
            JsonNode document = JSON.readTree(ConfigCodec.json().encode(services));
            return YAML.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the services as YAML", e);
        }
    }

    @Override
    public List<VirtualService> decode(String text) {
        try {
            return ConfigLoader.parseServices(text, NAME, running);
        } catch (ConfigException e) {
            String path = e.line() > 0 ? "line " + e.line() + (e.column() > 0 ? ", column " + e.column() : "") : "";
            throw new InvalidConfigException(path, e.problem(), e);
        }
    }
}
