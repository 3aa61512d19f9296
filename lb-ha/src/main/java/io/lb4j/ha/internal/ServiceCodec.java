package io.lb4j.ha.internal;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.VirtualService;
import io.lb4j.config.ConfigNode;
import io.lb4j.config.ServiceMapping;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The body of a replication message: lb-config's services document, the appliance file's vocabulary in JSON, with a
 * format marker first so that a peer of another version refuses it by name rather than misreading it:
 *
 * <pre>{@code
 * {"format" : "lb4j-services/2", "services" : [ {"label" : "PACS", "address" : "192.168.100.100",
 *   "ports" : [ 104, 80 ], "forwarding" : "direct-routing", "healthCheck" : { "type" : "all-of", ... }, ...} ]}
 * }</pre>
 *
 * <p>Every value is written out (defaults too), so both nodes agree even if a default changes between versions.
 * Decoding goes through lb-config's {@link ServiceMapping}, so a replicated list passes the same validation, and a
 * mistake gets the same message, as the file and the admin API; the message's location is a JSON pointer. A list
 * with a value that has no written form (a probe or scheduler of the application's own type, Maglev with another
 * table size) is refused by {@link #encode}. Stateless; thread-safe.
 */
public final class ServiceCodec {

    /** The format marker: version 2 is lb-config's vocabulary ({@code lb4j-services/1} had its own). */
    public static final String FORMAT = "lb4j-services/2";
    private static final Set<String> KEYS = Set.of("format", "services");

    private ServiceCodec() {
    }

    /**
     * The message body for {@code services}, in order.
     *
     * @throws IllegalArgumentException naming the service and field of a value that has no written form
     */
    public static byte[] encode(Collection<VirtualService> services) {
        Map<String, ConfigNode> document = new LinkedHashMap<>();
        document.put("format", ConfigNode.Scalar.of(FORMAT));
        document.put("services", ServiceMapping.write(services));
        return ConfigNode.Mapping.of(document).toJson().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The services in a message body.
     *
     * @throws io.lb4j.config.ConfigException (an {@link IllegalArgumentException}) at the JSON pointer of the first
     *                                        mistake: not this format, or a service the model rejects
     */
    public static List<VirtualService> decode(byte[] json) {
        ConfigNode.Mapping top = ConfigNode.parseJson(new String(json, StandardCharsets.UTF_8))
                .asMapping("a replication message");
        ConfigNode format = top.required("format", "a replication message");
        if (!(format instanceof ConfigNode.Scalar s && s.isString() && s.text().equals(FORMAT))) {
            throw format.error("format: " + format.asScalar("format").shown() + " (expected: \"" + FORMAT + "\")");
        }
        top.checkKeys(KEYS, "a replication message");
        // Every service names its method; the default is never used.
        return ServiceMapping.read(top.required("services", "a replication message"), ForwardingMethod.PROXY);
    }
}
