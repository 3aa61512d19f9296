package io.lb4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lb4j.api.ForwardingMethod;
import io.lb4j.api.VirtualService;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever the model can say, both written forms say: services drawn from the whole model ({@link RandomServices})
 * read back equal from YAML and from JSON. And text the mapping did not write, a written document with one value
 * changed or one character edited, is read or refused with a {@link ConfigException}, never anything else.
 */
class ServiceMappingProperties {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String YAML_SYNTAX = "-:[]{}&*!|>'\"%@` \n\t#,?0x";
    private static final JsonNode[] STRANGE_VALUES = {JsonNodeFactory.instance.nullNode(),
            JsonNodeFactory.instance.textNode(""), JsonNodeFactory.instance.textNode("all"),
            JsonNodeFactory.instance.textNode("1-99999"), JsonNodeFactory.instance.textNode("0"),
            JsonNodeFactory.instance.numberNode(0), JsonNodeFactory.instance.numberNode(-1),
            JsonNodeFactory.instance.numberNode(70000), JsonNodeFactory.instance.numberNode(1L << 40),
            JsonNodeFactory.instance.numberNode(1.5), JsonNodeFactory.instance.booleanNode(true),
            JsonNodeFactory.instance.arrayNode(), JsonNodeFactory.instance.objectNode(),
            JsonNodeFactory.instance.textNode("all-of"), JsonNodeFactory.instance.textNode("none")};

    @Provide
    Arbitrary<List<VirtualService>> services() {
        return Arbitraries.randomValue(random -> new RandomServices(random).list());
    }

    @Property(tries = 400)
    void yamlReadsBackWhatItWrote(@ForAll("services") List<VirtualService> services) {
        String yaml = ServiceMapping.writeDocument(services).toYaml();

        assertThat(ServiceMapping.readDocument(ConfigNode.parseYaml(yaml, "written.yaml"), ForwardingMethod.PROXY))
                .as(yaml).isEqualTo(services);
    }

    @Property(tries = 400)
    void jsonReadsBackWhatItWrote(@ForAll("services") List<VirtualService> services) {
        String json = ServiceMapping.writeDocument(services).toJson();

        assertThat(ServiceMapping.readDocument(ConfigNode.parseJson(json), ForwardingMethod.PROXY))
                .as(json).isEqualTo(services);
    }

    @Property(tries = 300)
    void aChangedValueIsReadOrRefusedWithALocatedMessage(@ForAll("services") List<VirtualService> services,
                                                         @ForAll long seed) throws Exception {
        Random random = new Random(seed);
        JsonNode document = JSON.readTree(ServiceMapping.writeDocument(services).toJson());
        List<JsonNode[]> slots = new ArrayList<>();
        collect(document, slots);
        JsonNode[] slot = slots.get(random.nextInt(slots.size()));
        JsonNode replacement = STRANGE_VALUES[random.nextInt(STRANGE_VALUES.length)];
        if (slot[0] instanceof ObjectNode o) {
            o.set(slot[1].asText(), replacement);
        } else {
            ((ArrayNode) slot[0]).set(slot[1].asInt(), replacement);
        }

        readsOrRefuses(() -> ConfigNode.parseJson(JSON.writeValueAsString(document)));
    }

    @Property(tries = 300)
    void anEditedCharacterIsReadOrRefusedWithALocatedMessage(@ForAll("services") List<VirtualService> services,
                                                             @ForAll long seed) throws Exception {
        Random random = new Random(seed);
        StringBuilder yaml = new StringBuilder(ServiceMapping.writeDocument(services).toYaml());
        int at = random.nextInt(yaml.length());
        String inserted = String.valueOf(YAML_SYNTAX.charAt(random.nextInt(YAML_SYNTAX.length())));
        switch (random.nextInt(3)) {
            case 0 -> yaml.deleteCharAt(at);
            case 1 -> yaml.insert(at, inserted);
            default -> yaml.replace(at, at + 1, inserted);
        }

        readsOrRefuses(() -> ConfigNode.parseYaml(yaml.toString(), "edited.yaml"));
    }

    private interface Parse {
        ConfigNode parse() throws Exception;
    }

    private static void readsOrRefuses(Parse parse) throws Exception {
        try {
            ServiceMapping.readDocument(parse.parse(), ForwardingMethod.PROXY);
        } catch (ConfigException e) {
            assertThat(e.location()).isNotBlank();
            assertThat(e.problem()).isNotBlank().doesNotContain("\n");
            assertThat(e.getMessage()).isEqualTo(e.location() + ": " + e.problem());
        }
    }

    /** Every place a value sits: {container, key or index}. */
    private static void collect(JsonNode node, List<JsonNode[]> slots) {
        if (node instanceof ObjectNode o) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                slots.add(new JsonNode[] {o, JsonNodeFactory.instance.textNode(key)});
                collect(o.get(key), slots);
            }
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                slots.add(new JsonNode[] {a, JsonNodeFactory.instance.numberNode(i)});
                collect(a.get(i), slots);
            }
        }
    }
}
