package io.lb4j.appliance.config;

import io.lb4j.admin.ConfigCodec;
import io.lb4j.admin.InvalidConfigException;
import io.lb4j.api.VirtualService;
import io.lb4j.config.ConfigException;
import io.lb4j.config.ServiceMapping;

import java.util.List;

/**
 * The appliance file's YAML as the admin server's {@link ConfigCodec}, so {@code PUT /api/config} accepts exactly
 * what the file accepts. Reading is {@link ConfigLoader#parseServices}; writing is lb-config's
 * {@link ServiceMapping#writeDocument} as block YAML, the same document the JSON codec and replication write.
 * Stateless apart from the running configuration; thread-safe.
 */
final class YamlConfigCodec implements ConfigCodec {

    /** The name errors carry; the admin API reports only the line and column. */
    private static final String NAME = "config";

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
        return ServiceMapping.writeDocument(services).toYaml();
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
