package io.lb4j.config;

import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.VirtualService;
import io.lb4j.config.internal.ServiceTree;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The one mapping between lb4j's services and a configuration tree: the appliance's YAML file, the admin API's
 * JSON and HA replication all read and write services here, in the appliance file's vocabulary (camelCase keys,
 * {@code dicom-echo}, durations such as {@code 30s}, port ranges such as {@code "8000-8010"}). Whatever a
 * {@link VirtualService} can say has a written form: every health-check type including {@code all-of} with a probe
 * per port, fallbacks, persistence, failback policies, every built-in scheduler, TCP and UDP. The keys are listed in
 * {@code lb-config/README-config.md}.
 *
 * <pre>{@code
 * String json = ServiceMapping.writeDocument(balancer.services()).toJson();
 * List<VirtualService> back = ServiceMapping.readDocument(ConfigNode.parseJson(json), ForwardingMethod.PROXY);
 * // back.equals(balancer.services())
 * }</pre>
 *
 * <p>Guarantees: reading returns services that each passed lb-api's builders and together pass
 * {@code LoadBalancer.Builder.validateServices}, or throws one {@link ConfigException} at the node the mistake is in,
 * with lb-api's own message for rules lb-api checks; the same mistake gets the same problem text in YAML and JSON.
 * Writing writes every value out (defaults included; a proxy service's timeouts and caps only where they apply: the
 * TCP ones for TCP, {@code maxUdpSessions} for UDP, none for other methods), and reading what was written gives
 * equal services. Stateless; thread-safe.
 */
public final class ServiceMapping {

    private static final Set<String> DOCUMENT_KEYS = Set.of("services");

    private ServiceMapping() {
    }

    /**
     * The services of a {@code services:} list.
     *
     * @param services      the list node
     * @param defaultMethod the forwarding method of a service that names none (the engine's own, for a file)
     * @throws ConfigException at the first mistake
     */
    public static List<VirtualService> read(ConfigNode services, ForwardingMethod defaultMethod) {
        return ServiceTree.readList(Objects.requireNonNull(services, "services"),
                Objects.requireNonNull(defaultMethod, "defaultMethod"));
    }

    /**
     * The services of a document that has only them: {@code {"services": [...]}}.
     *
     * @throws ConfigException at the first mistake, an unknown top-level key included
     */
    public static List<VirtualService> readDocument(ConfigNode document, ForwardingMethod defaultMethod) {
        ConfigNode.Mapping top = document.asMapping("the document");
        top.checkKeys(DOCUMENT_KEYS, "the top level");
        return read(top.required("services", "the top level"), defaultMethod);
    }

    /**
     * The services as a list node, every value written out.
     *
     * @throws IllegalArgumentException naming the service and field of a value that has no written form: a probe or
     *                                  scheduler of the application's own type, Maglev with a table size other than
     *                                  the default, a duration with a fraction of a millisecond
     */
    public static ConfigNode.Sequence write(Collection<VirtualService> services) {
        return ServiceTree.writeList(services);
    }

    /**
     * The document {@code {"services": [...]}}: what {@link #readDocument} reads back to equal services.
     *
     * @throws IllegalArgumentException as {@link #write}
     */
    public static ConfigNode.Mapping writeDocument(Collection<VirtualService> services) {
        return ConfigNode.Mapping.of(Map.of("services", write(services)));
    }
}
