package io.lb4j.admin;

import io.lb4j.api.VirtualService;

import java.util.List;

/**
 * Turns the balancer's services into text and back, for {@code GET} and {@code PUT /api/config}. The default,
 * {@link #json()}, is lb-config's mapping, the appliance file's vocabulary in JSON; the appliance plugs in its YAML
 * so the API accepts exactly what its file accepts.
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
     * JSON with the appliance file's keys ({@code lb-config/README-config.md}): {@code {"services": [{"label":
     * "PACS", "address": "10.0.0.1", "ports": [104], "forwarding": "proxy", "realServers": [{"label": "Primary",
     * "address": "10.0.0.2"}], ...}]}}; durations as {@code "500ms"}, {@code "30s"}, {@code "5m"}, {@code "1h"}.
     * Every service, composite health checks included, reads back equal. Unknown keys are errors; an error's path is
     * the JSON pointer of the bad value ({@code /services/0/realServers/0/weight}).
     */
    static ConfigCodec json() {
        return JsonConfigCodec.INSTANCE;
    }
}
