package io.lb4j.admin;

import io.lb4j.api.VirtualService;

import java.util.List;

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
}
