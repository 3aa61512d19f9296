package io.lb4j.admin;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.VirtualService;
import io.lb4j.config.ConfigException;
import io.lb4j.config.ConfigNode;
import io.lb4j.config.ServiceMapping;

import java.util.List;

/**
 * The default {@link ConfigCodec}: lb-config's services document as JSON, the appliance file's vocabulary. A service
 * without {@code forwarding} is a proxy service. Errors carry the JSON pointer of the bad value. Stateless;
 * thread-safe.
 */
final class JsonConfigCodec implements ConfigCodec {

    static final JsonConfigCodec INSTANCE = new JsonConfigCodec();

    private JsonConfigCodec() {
    }

    @Override
    public String mediaType() {
        return "application/json";
    }

    @Override
    public String encode(List<VirtualService> services) {
        return ServiceMapping.writeDocument(services).toJson();
    }

    @Override
    public List<VirtualService> decode(String text) {
        try {
            return ServiceMapping.readDocument(ConfigNode.parseJson(text), ForwardingMethod.PROXY);
        } catch (ConfigException e) {
            throw new InvalidConfigException(e.location(), e.problem(), e);
        }
    }
}
